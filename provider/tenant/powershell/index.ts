/** The Teams PowerShell side of the tenant layer: the host process and the typed cmdlets. */
export { TeamsCmdlets, instanceFromCmdlet, numberAssignmentFromCmdlet } from "./cmdlets";
export { statusFromHostError, isMappingConflict, isNotFound } from "./errors";
export { PowerShellHost, type HostTimeouts } from "./host";
export { InstanceReads } from "./instance-reads";
export { hostScriptPath, resolvePwshPath } from "./locate";
export { HostPool, type CmdletRunner, type LazyParameters, type PoolSize } from "./pool";
