/**
 * The Teams cmdlets' errors, all made here: PowerShell's error record as the stand-in reports it
 * (`message`, `fullyQualifiedErrorId` = `<ErrorId>,<source>`, `category`, `exceptionType`).
 * Service errors use the module's id format `<Reason>,Microsoft.Teams.ConfigAPI.Cmdlets.<VerbNoun>`;
 * parameter-binding errors use PowerShell's own ids with the cmdlet name as source.
 * Sources per error: emulator/FIDELITY.md.
 */

/** A Teams cmdlet failure as PowerShell reports it. */
export class CmdletError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly fullyQualifiedErrorId: string,
    readonly category = "InvalidOperation",
    readonly exceptionType = "System.Exception",
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
  }

  /** The JSON body of the Teams admin endpoint. */
  body(): { error: { message: string; fullyQualifiedErrorId: string; category: string; exceptionType: string } } {
    return {
      error: {
        message: this.message,
        fullyQualifiedErrorId: this.fullyQualifiedErrorId,
        category: this.category,
        exceptionType: this.exceptionType,
      },
    };
  }
}

const REST_EXCEPTION = "Microsoft.Teams.ConfigAPI.Cmdlets.Generated.Runtime.RestException";
const BINDING_EXCEPTION = "System.Management.Automation.ParameterBindingException";

/**
 * The error source of a service failure, as the module reports it: the instance cmdlets
 * `Microsoft.Teams.ConfigApi.Cmdlets.NewCsOnlineApplicationInstance` (office-docs-powershell
 * issue 10363), the generated number cmdlets
 * `Microsoft.Teams.ConfigAPI.Cmdlets.Generated.Cmdlets.SetCsPhoneNumberAssignment_Set` (issues 8875, 9961, 11162).
 */
export function cmdletSource(cmdlet: string): string {
  const verbNoun = cmdlet.replace(/-/g, "");
  if (/CsOnlineApplicationInstance$/.test(cmdlet)) return `Microsoft.Teams.ConfigApi.Cmdlets.${verbNoun}`;
  return `Microsoft.Teams.ConfigAPI.Cmdlets.Generated.Cmdlets.${verbNoun}_${cmdlet.split("-")[0]}`;
}

/** The internal cmdlet behind Grant-Cs*Policy, as the module names it in its error ids. */
const GRANT_SOURCE = "Microsoft.Teams.ConfigAPI.Cmdlets.Generated.Cmdlets.GrantCsUserPolicy_GrantExpanded";

const binding = (id: string, cmdlet: string, message: string, category = "InvalidArgument"): CmdletError =>
  new CmdletError(400, message, `${id},${cmdlet}`, category, BINDING_EXCEPTION);

/** The one factory of Teams cmdlet errors. */
export const teamsErrors = {
  // ── the service ──
  /** The service's BadRequest (`BadRequest,Microsoft.Teams.ConfigAPI.Cmdlets.<Cmdlet>`). */
  badRequest: (cmdlet: string, message: string, status = 400) =>
    new CmdletError(status, message, `BadRequest,${cmdletSource(cmdlet)}`, "InvalidOperation", REST_EXCEPTION),
  notFound: (cmdlet: string, identity: string) =>
    new CmdletError(
      404,
      `Management object not found for identity "${identity}".`,
      `NotFound,${cmdletSource(cmdlet)}`,
      "ObjectNotFound",
    ),
  /**
   * Grant-Cs*Policy errors come from the module's internal Grant-CsUserPolicy
   * (`ClientError,…GrantCsUserPolicy_GrantExpanded`, office-docs-powershell issues 8336, 8930).
   */
  grantUserMissing: () =>
    new CmdletError(404, "User does not exist", `ClientError,${GRANT_SOURCE}`, "InvalidOperation", "System.Exception"),
  /** A policy name the tenant has no policy for (office-docs-powershell issue 9103: `[ClientError] : "<name>" not found`). */
  grantPolicyMissing: (name: string) =>
    new CmdletError(
      404,
      `[ClientError] : "${name}" not found`,
      `ClientError,${GRANT_SOURCE}`,
      "InvalidOperation",
      "System.Exception",
    ),
  /** A parameter (set) the emulator does not model: refused by name, never ignored. */
  notModelled: (cmdlet: string, what: string) =>
    new CmdletError(
      400,
      `${cmdlet}: ${what} is not modelled by the tenant emulator.`,
      `NotModelled,${cmdletSource(cmdlet)}`,
      "NotImplemented",
      "System.NotSupportedException",
    ),
  /** Sync of an instance already mapped to another app (the documented conflict text). */
  syncConflict: (cmdlet: string) =>
    new CmdletError(
      400,
      "An item with the same key has already been added.",
      `BadRequest,${cmdletSource(cmdlet)}`,
      "InvalidOperation",
      "System.ArgumentException",
    ),
  notSupportedAppOnly: (cmdlet: string) =>
    new CmdletError(
      403,
      `${cmdlet} is not supported with application-based authentication (Connect-MicrosoftTeams with an app's certificate or access tokens). Run it as a Teams administrator user, or change the instance in the Teams admin center.`,
      `NotSupportedWithApplicationAuthentication,${cmdletSource(cmdlet)}`,
      "PermissionDenied",
      "System.NotSupportedException",
    ),
  telFormat: (cmdlet: string, value: string) =>
    new CmdletError(
      400,
      `The input of parameter "${value}" is not in a valid format. Please provide an input with an acceptable format <tel:>+[number]", e.g. tel:+18005551234 or +14251234567.`,
      `BvdCmdletException,${cmdletSource(cmdlet)}`,
    ),
  throttled: (cmdlet: string, retryAfterSeconds: number) =>
    new CmdletError(
      429,
      `The server responded with a Request Error, Status: TooManyRequests. Requests are being throttled; retry after ${retryAfterSeconds} seconds.`,
      `TooManyRequests,${cmdletSource(cmdlet)}`,
      "LimitsExceeded",
      REST_EXCEPTION,
      { "retry-after": String(retryAfterSeconds) },
    ),
  serverError: (cmdlet: string, status: number) =>
    new CmdletError(
      status,
      `The server responded with a Request Error, Status: ${status === 503 ? "ServiceUnavailable" : "InternalServerError"}`,
      `UndeclaredResponseException,${cmdletSource(cmdlet)}`,
      "NotSpecified",
      "Microsoft.Teams.ConfigAPI.Cmdlets.Generated.Runtime.UndeclaredResponseException",
      status === 503 ? { "retry-after": "1" } : {},
    ),
  /** 401/403 of Connect-MicrosoftTeams or a cmdlet. */
  auth: (message: string, status: 401 | 403, cmdlet: string) =>
    new CmdletError(
      status,
      message,
      `${status === 401 ? "Unauthorized" : "Forbidden"},${cmdlet}`,
      status === 401 ? "AuthenticationError" : "PermissionDenied",
      "System.UnauthorizedAccessException",
    ),

  // ── PowerShell itself ──
  commandNotFound: (name: string) =>
    new CmdletError(
      400,
      `The term '${name}' is not recognized as a name of a cmdlet, function, script file, or executable program.`,
      "CommandNotFoundException",
      "ObjectNotFound",
      "System.Management.Automation.CommandNotFoundException",
    ),
  parameterNotFound: (cmdlet: string, given: string) =>
    binding("NamedParameterNotFound", cmdlet, `A parameter cannot be found that matches parameter name '${given}'.`),
  parameterAlreadyBound: (cmdlet: string, name: string) =>
    binding(
      "ParameterAlreadyBound",
      cmdlet,
      `Cannot bind parameter because parameter '${name}' is specified more than once.`,
    ),
  nullNotAllowed: (cmdlet: string, name: string) =>
    binding(
      "ParameterArgumentValidationErrorNullNotAllowed",
      cmdlet,
      `Cannot bind argument to parameter '${name}' because it is null.`,
      "InvalidData",
    ),
  missingMandatory: (cmdlet: string, names: string[]) =>
    binding(
      "MissingMandatoryParameter",
      cmdlet,
      `Cannot process command because of one or more missing mandatory parameters: ${names.join(" ")}.`,
    ),
  cannotConvert: (cmdlet: string, name: string, value: unknown, target: string, detail: string) =>
    binding(
      "CannotConvertArgumentNoMessage",
      cmdlet,
      `Cannot bind parameter '${name}'. Cannot convert value "${String(value)}" to type "${target}". Error: "${detail}"`,
    ),
  validation: (cmdlet: string, message: string) =>
    binding("ParameterArgumentValidationError", cmdlet, message, "InvalidData"),
  ambiguousParameterSet: (cmdlet: string) =>
    binding(
      "AmbiguousParameterSet",
      cmdlet,
      "Parameter set cannot be resolved using the specified named parameters. One or more parameters issued cannot be used together or an insufficient number of parameters were provided.",
    ),

  /** An emulator bug: names no internals. */
  internal: () =>
    new CmdletError(
      500,
      "The server responded with a Request Error, Status: InternalServerError",
      "UndeclaredResponseException",
      "NotSpecified",
    ),

  // ── the stand-in's transport ──
  protocolViolation: (message: string) =>
    new CmdletError(400, message, "ProtocolViolation", "InvalidArgument", "System.ArgumentException"),
};
