/**
 * Wire protocol between the provider and its long-lived PowerShell host
 * (`teams-host.ps1` under real pwsh, or the emulator's stand-in `emulator/bin/pwsh`).
 *
 * Framing (requests, provider → host): one JSON object per line (UTF-8, `\n`).
 * Framing (frames, host → provider): every `HostReady` / `HostResponse` is written with ONE write
 * call as `"\n" + JSON + "\n"`, where the JSON's first member is `"tbnHost":1`, so the text of
 * every frame starts with `FRAME_MARKER` (`{"tbnHost":1,`). Real pwsh and the MicrosoftTeams module
 * can print other text on stdout (progress, warnings, `Write-Host`, banners) and may leave it
 * without a newline; the leading `"\n"` ends such text before the frame, and a reader finds the
 * marker ANYWHERE in a line and parses from it to the end of the line (`findFrame`), so a prefix
 * of other text cannot hide a reply. Lines without the marker are not part of the protocol.
 * A marker cannot occur inside a JSON string (its quotes would be escaped), so a frame's own
 * output can never fake one. Compatibility: a frame is still one JSON object on its own line, so
 * a reader that JSON-parses whole lines keeps working as long as noise ends in a newline.
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

/** Text every host → provider frame starts with (its JSON's first member is `"tbnHost":1`). */
export const FRAME_MARKER = '{"tbnHost":1,';

/**
 * The oldest MicrosoftTeams module the host accepts (teams-host.ps1 `$TeamsModuleFloor`, the
 * example pipelines' pinned version; a unit test keeps the three equal). Below it, the host answers
 * `connect` and `invoke` with `ModuleTooOld`. Why this version: README "PowerShell module version".
 */
export const TEAMS_MODULE_FLOOR = "7.6.0";

/** Serialises one host frame: `"\n" + {"tbnHost":1,...} + "\n"` (write it with one call). */
export function encodeFrame(message: HostReady | HostResponse): string {
  const body = JSON.stringify(message);
  return "\n" + FRAME_MARKER + body.slice(1) + "\n";
}

/**
 * The host frame in one stdout line, wherever it starts in the line; undefined for a line that
 * carries no frame (noise) or whose frame is not valid JSON.
 */
export function findFrame(line: string): (Partial<HostReady & HostResponse> & { tbnHost: 1 }) | undefined {
  const at = line.indexOf(FRAME_MARKER);
  if (at < 0) return undefined;
  try {
    const parsed = JSON.parse(line.slice(at).trim()) as unknown;
    return parsed && typeof parsed === "object"
      ? (parsed as Partial<HostReady & HostResponse> & { tbnHost: 1 })
      : undefined;
  } catch {
    return undefined;
  }
}

/** Compares dotted versions ("7.6.0" vs "7.10.1"); non-numeric parts count as 0. */
export function compareVersions(a: string, b: string): number {
  const pa = a.split(/[.-]/).map((x) => Number.parseInt(x, 10) || 0);
  const pb = b.split(/[.-]/).map((x) => Number.parseInt(x, 10) || 0);
  for (let i = 0; i < Math.max(pa.length, pb.length, 3); i++) {
    const d = (pa[i] ?? 0) - (pb[i] ?? 0);
    if (d !== 0) return d < 0 ? -1 : 1;
  }
  return 0;
}

/** The error text for a module below the floor (host script and stand-in say the same). */
export function moduleTooOldMessage(found: string): string {
  return (
    `MicrosoftTeams ${found} is older than ${TEAMS_MODULE_FLOOR}, the oldest version teams-bot-numbers supports ` +
    `(app-only New/Get/Sync-CsOnlineApplicationInstance). Run: Install-Module MicrosoftTeams -RequiredVersion ${TEAMS_MODULE_FLOOR} -Scope CurrentUser -Force`
  );
}

/** Cmdlets the host will run; everything else is refused. */
export const ALLOWED_CMDLETS = [
  "New-CsOnlineApplicationInstance",
  "Get-CsOnlineApplicationInstance",
  "Set-CsOnlineApplicationInstance",
  "Sync-CsOnlineApplicationInstance",
  "Set-CsPhoneNumberAssignment",
  "Remove-CsPhoneNumberAssignment",
  "Get-CsPhoneNumberAssignment",
  "Get-CsOnlineVoiceRoutingPolicy",
  "Grant-CsOnlineVoiceRoutingPolicy",
  "Get-CsOnlineUser",
] as const;

/** One of the allow-listed cmdlet names. */
export type AllowedCmdlet = (typeof ALLOWED_CMDLETS)[number];

/** First line the host prints. */
export interface HostReady {
  type: "ready";
  /** `$PSVersionTable.PSVersion` of the host, e.g. "7.4.6" (the stand-in reports a 7.x version too). */
  psVersion: string;
  /**
   * Version of the newest MicrosoftTeams module found (also when it is below the floor), or null
   * when missing. Below `teamsModuleFloor` the host refuses `connect` / `invoke` with `ModuleTooOld`.
   */
  teamsModuleVersion: string | null;
  /** The floor this host enforces (TEAMS_MODULE_FLOOR). */
  teamsModuleFloor: string;
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
  /** `$_.Exception.Message` (or the error record's own text when that is empty), e.g. "BadRequest - Telephone Number '+1…' is not found from tenant '…'". */
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
      /**
       * Cmdlet output objects (possibly empty). The host projects the properties the provider reads
       * as strings (`[string]`, lists of strings for `Capability`), keeps the other properties, and
       * converts with `ConvertTo-Json -EnumsAsStrings -Depth 6`: enums arrive as names, never numbers.
       */
      output: Record<string, unknown>[];
    }
  | { id: number; ok: false; error: HostError };
