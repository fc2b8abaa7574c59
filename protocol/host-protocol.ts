/**
 * Wire protocol between the provider and its long-lived PowerShell host
 * (`teams-host.ps1` under real pwsh, or the emulator's stand-in `emulator/bin/pwsh`).
 *
 * Framing: one JSON object per line (UTF-8, `\n`), both directions.
 * 1. The host starts with `pwsh -NoLogo -NoProfile -NonInteractive -File <teams-host.ps1>`.
 *    argv never carries a secret or a user value.
 * 2. The host writes one `HostReady` line before reading anything.
 * 3. The provider writes `HostRequest` lines; the host answers each with exactly one
 *    `HostResponse` line carrying the same `id`. Requests are answered in order.
 * 4. Tokens travel only inside the `connect` request on stdin. Cmdlet parameters travel as JSON
 *    data and are splatted (`& $cmdlet @params`): nothing is ever pasted into script text.
 * 5. Anything that is not a well-formed request for an allow-listed cmdlet is answered with
 *    `ok: false`, `error.fullyQualifiedErrorId: "ProtocolViolation"` and is never executed.
 * 6. EOF on stdin (or the `exit` request) makes the host exit 0.
 */

/** Cmdlets the host will run; everything else is refused. */
export const ALLOWED_CMDLETS = [
  "New-CsOnlineApplicationInstance",
  "Get-CsOnlineApplicationInstance",
  "Set-CsOnlineApplicationInstance",
  "Sync-CsOnlineApplicationInstance",
  "Set-CsPhoneNumberAssignment",
  "Remove-CsPhoneNumberAssignment",
  "Get-CsPhoneNumberAssignment",
] as const;

/** One of the allow-listed cmdlet names. */
export type AllowedCmdlet = (typeof ALLOWED_CMDLETS)[number];

/** First line the host prints. */
export interface HostReady {
  type: "ready";
  /** `$PSVersionTable.PSVersion` of the host, e.g. "7.4.6" (the stand-in says "standin"). */
  psVersion: string;
  /** Version of the MicrosoftTeams module found, or null when missing. */
  teamsModuleVersion: string | null;
}

/** `Connect-MicrosoftTeams -AccessTokens @(graphToken, teamsToken)`. */
export interface ConnectRequest {
  id: number;
  type: "connect";
  tenantId: string;
  /** [Microsoft Graph token, Skype and Teams Tenant Admin API token]. */
  accessTokens: [string, string];
}

/** Runs one allow-listed cmdlet with `-ErrorAction Stop`, parameters splatted from `parameters`. */
export interface InvokeRequest {
  id: number;
  type: "invoke";
  cmdlet: AllowedCmdlet;
  /**
   * Parameter name → value. Strings, numbers, booleans and null only; `true` for a switch
   * (e.g. `Force: true`). Never script text.
   */
  parameters: Record<string, string | number | boolean | null>;
}

/** Asks the host to exit cleanly. */
export interface ExitRequest {
  id: number;
  type: "exit";
}

/** Anything the provider may send. */
export type HostRequest = ConnectRequest | InvokeRequest | ExitRequest;

/** The error a failed cmdlet raised, as PowerShell reports it. */
export interface HostError {
  /** `$_.Exception.Message`, e.g. "BadRequest - Telephone Number '+1…' is not found from tenant '…'". */
  message: string;
  /** `$_.FullyQualifiedErrorId`, e.g. "BadRequest,Microsoft.Teams.ConfigAPI.Cmdlets…" or "ProtocolViolation". */
  fullyQualifiedErrorId: string;
  /** `$_.CategoryInfo.Category`, e.g. "InvalidOperation". */
  category: string;
  /** `$_.Exception.GetType().FullName`. */
  exceptionType: string;
}

/** The host's answer to one request. */
export type HostResponse =
  | {
      id: number;
      ok: true;
      /** Cmdlet output objects (possibly empty), each converted with `ConvertTo-Json -Depth 6`. */
      output: Record<string, unknown>[];
    }
  | { id: number; ok: false; error: HostError };
