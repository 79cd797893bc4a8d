using Microsoft.Extensions.Logging;
using OpsConsole.Core.Events;

namespace OpsConsole.Core.Slo;

/// <summary>"An SLO or its burn changed, look again" for the SLO pages: the id of the SLO (created, deleted, evaluated).</summary>
public sealed class SloUpdates(ILogger<SloUpdates>? logger = null) : ChangeNotifier<long>(logger);
