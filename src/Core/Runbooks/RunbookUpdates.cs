using Microsoft.Extensions.Logging;
using OpsConsole.Core.Events;

namespace OpsConsole.Core.Runbooks;

/// <summary>"A runbook run changed, look again" for live run views.</summary>
public sealed class RunbookUpdates(ILogger<RunbookUpdates>? logger = null) : ChangeNotifier<Guid>(logger);
