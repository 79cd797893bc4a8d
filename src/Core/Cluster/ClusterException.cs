namespace OpsConsole.Core.Cluster;

/// <summary>
/// A cluster could not carry out a call for a reason a person must fix (unreachable, credentials,
/// permissions, a missing resource type). Its message names the cause and never a credential, so the
/// console may show it on the rollout it stopped.
/// </summary>
public class ClusterException(string message, Exception? inner = null) : Exception(message, inner);
