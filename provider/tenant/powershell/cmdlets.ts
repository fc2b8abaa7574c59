/**
 * The Teams cmdlets the provider runs, typed, each with its retry budget and its output mapper.
 * Reads are retried on throttling, transient failures and once after a host restart; changes
 * that are not safe to repeat only on throttling (a throttled call was never executed).
 */
import type { AllowedCmdlet, InvokeRequest } from "../../../protocol/host-protocol";
import { TenantError } from "../../errors";
import { fromWireEnum, toWireEnum, ZERO_GUID } from "../../formats";
import { checkWrite } from "../../process-guard";
import { hostRestarted, throttling, transient, withRetry, type RetryStrategy } from "../../retry";
import type { AssignmentBlock, NewAccountRequest, NumberAssignment, NumberOnAccount, TeamsInstance } from "../model";
import { isNotFound } from "./errors";
import { InstanceReads } from "./instance-reads";
import type { CmdletRunner, LazyParameters } from "./pool";

/** Cmdlets that change things and are safe to repeat (set to a value). */
const IDEMPOTENT: RetryStrategy[] = [throttling(2_000), transient(1_000)];
/** Reads: as IDEMPOTENT, and once more after a host crash or timeout. */
const READ: RetryStrategy[] = [...IDEMPOTENT, hostRestarted()];
/** Changes that must not be repeated blindly. */
const ONCE: RetryStrategy[] = [throttling(2_000)];

function field(obj: Record<string, unknown>, name: string): unknown {
  const key = Object.keys(obj).find((k) => k.toLowerCase() === name.toLowerCase());
  return key === undefined ? undefined : obj[key];
}

function text(obj: Record<string, unknown>, name: string): string | null {
  const v = field(obj, name);
  return v === undefined || v === null || v === "" ? null : String(v);
}

/** Get-CsOnlineApplicationInstance output → TeamsInstance. */
export function instanceFromCmdlet(o: Record<string, unknown>): TeamsInstance {
  const phone = text(o, "PhoneNumber");
  return {
    objectId: (text(o, "ObjectId") ?? "").toLowerCase(),
    tenantId: text(o, "TenantId")?.toLowerCase() ?? null,
    userPrincipalName: (text(o, "UserPrincipalName") ?? "").toLowerCase(),
    applicationId: (text(o, "ApplicationId") ?? "").toLowerCase(),
    displayName: text(o, "DisplayName"),
    phoneNumber: phone ? phone.replace(/^tel:/i, "") : null,
  };
}

/** Get-CsPhoneNumberAssignment output → NumberAssignment (camelCase enums like Graph). */
export function numberAssignmentFromCmdlet(o: Record<string, unknown>): NumberAssignment {
  const capability = field(o, "Capability");
  return {
    telephoneNumber: text(o, "TelephoneNumber") ?? "",
    numberType: fromWireEnum(text(o, "NumberType") ?? ""),
    assignmentTargetId: text(o, "AssignedPstnTargetId")?.toLowerCase() ?? null,
    assignmentStatus: toWireEnum(text(o, "PstnAssignmentStatus") ?? "unknown"),
    activationState: toWireEnum(text(o, "ActivationState") ?? "unknown"),
    // The zero GUID is how the cmdlet shows "no location" (its examples 2 and 10-13).
    locationId: text(o, "LocationId") === ZERO_GUID ? null : text(o, "LocationId"),
    capabilities: (Array.isArray(capability) ? capability : capability ? String(capability).split(/[,\s{}]+/) : [])
      .filter(Boolean)
      .map((c) => toWireEnum(String(c))),
    isoCountryCode: text(o, "IsoCountryCode")?.toUpperCase() ?? null,
    assignmentBlock: assignmentBlockOf(o),
  };
}

/** AssignmentBlockedState / AssignmentBlockedUntil → the block (null: NotBlocked or empty, as the examples show it). */
function assignmentBlockOf(o: Record<string, unknown>): AssignmentBlock | null {
  const state = (text(o, "AssignmentBlockedState") ?? "").toLowerCase();
  if (state === "blockedforever") return { until: null };
  if (state === "blockeduntil") return { until: text(o, "AssignmentBlockedUntil") };
  return null;
}

/** The Teams cmdlets, run through the pool of PowerShell hosts. */
export class TeamsCmdlets {
  /** Reads of instances, gathered into one listing when several wait together. */
  readonly instanceReads: InstanceReads;

  /** `gatherWindowMs`: quiet gap that closes the window gathering instance reads. */
  constructor(
    readonly host: CmdletRunner,
    gatherWindowMs = 20,
  ) {
    this.instanceReads = new InstanceReads(
      (take) => this.run("Get-CsOnlineApplicationInstance", take, READ),
      isNotFound,
      gatherWindowMs,
    );
  }

  /** New-CsOnlineApplicationInstance -UserPrincipalName -ApplicationId -DisplayName -Force. */
  async newApplicationInstance(request: NewAccountRequest): Promise<TeamsInstance> {
    const out = await this.run(
      "New-CsOnlineApplicationInstance",
      {
        UserPrincipalName: request.userPrincipalName,
        ApplicationId: request.applicationId,
        DisplayName: request.displayName,
        Force: true,
      },
      ONCE,
    );
    const created = out.map(instanceFromCmdlet).find((i) => i.objectId);
    if (created) return created;
    // Some module versions print nothing: read it back.
    const read = await this.getApplicationInstance(request.userPrincipalName);
    if (!read)
      throw new TenantError({
        operation: "New-CsOnlineApplicationInstance",
        kind: "permanent",
        reason: "the cmdlet succeeded but the instance cannot be read back",
      });
    return read;
  }

  /**
   * Get-CsOnlineApplicationInstance -Identity (object id or UPN); undefined when Teams does not
   * know it. Concurrent reads are answered by one listing (instance-reads.ts).
   */
  async getApplicationInstance(identity: string): Promise<TeamsInstance | undefined> {
    const out = await this.instanceReads.read(identity);
    return out?.map(instanceFromCmdlet).find((i) => i.objectId);
  }

  /** Get-CsOnlineApplicationInstance without -Identity: every instance of the tenant (its example 4). */
  async listApplicationInstances(): Promise<TeamsInstance[]> {
    const out = await this.run("Get-CsOnlineApplicationInstance", {}, READ);
    return out.map(instanceFromCmdlet).filter((i) => i.objectId !== "");
  }

  /** Sync-CsOnlineApplicationInstance -ObjectId -ApplicationId -Force. */
  async syncApplicationInstance(objectId: string, applicationId: string): Promise<void> {
    await this.run(
      "Sync-CsOnlineApplicationInstance",
      { ObjectId: objectId, ApplicationId: applicationId, Force: true },
      IDEMPOTENT,
    );
  }

  /** Set-CsPhoneNumberAssignment -Identity -PhoneNumber -PhoneNumberType [-LocationId] (synchronous). */
  async setPhoneNumberAssignment(request: NumberOnAccount): Promise<void> {
    // -PhoneNumber / -PhoneNumberType: the pre-2026 names, kept as aliases by newer modules.
    const parameters: InvokeRequest["parameters"] = {
      Identity: request.instanceId,
      PhoneNumber: request.phoneNumber,
      PhoneNumberType: request.numberType,
    };
    if (request.locationId) parameters.LocationId = request.locationId;
    await this.run("Set-CsPhoneNumberAssignment", parameters, ONCE);
  }

  /** Set-CsPhoneNumberAssignment -PhoneNumber -LocationId (the string 'null' removes a location). */
  async setPhoneNumberLocation(telephoneNumber: string, locationId: string | null): Promise<void> {
    await this.run(
      "Set-CsPhoneNumberAssignment",
      { PhoneNumber: telephoneNumber, LocationId: locationId ?? "null" },
      IDEMPOTENT,
    );
  }

  /** Remove-CsPhoneNumberAssignment -Identity -PhoneNumber -PhoneNumberType. */
  async removePhoneNumberAssignment(request: NumberOnAccount): Promise<void> {
    await this.run(
      "Remove-CsPhoneNumberAssignment",
      { Identity: request.instanceId, PhoneNumber: request.phoneNumber, PhoneNumberType: request.numberType },
      ONCE,
    );
  }

  /** Get-CsPhoneNumberAssignment -TelephoneNumber; undefined when the tenant does not have it. */
  async getPhoneNumberAssignment(telephoneNumber: string): Promise<NumberAssignment | undefined> {
    const out = await this.run("Get-CsPhoneNumberAssignment", { TelephoneNumber: telephoneNumber }, READ);
    return out.map(numberAssignmentFromCmdlet).find((n) => n.telephoneNumber === telephoneNumber);
  }

  /** Get-CsOnlineVoiceRoutingPolicy: the names of the tenant's per-user policies (Identity `Tag:<name>`). */
  async listVoiceRoutingPolicies(): Promise<string[]> {
    const out = await this.run("Get-CsOnlineVoiceRoutingPolicy", {}, READ);
    return out
      .map((o) => text(o, "Identity") ?? "")
      .filter((id) => /^Tag:/i.test(id))
      .map((id) => id.replace(/^Tag:/i, ""));
  }

  /**
   * Get-CsOnlineUser -Identity: the online voice routing policy granted to the user (null: none, the
   * Global one applies); undefined when Teams does not know the user.
   */
  async getVoiceRoutingPolicyOf(identity: string): Promise<{ policyName: string | null } | undefined> {
    try {
      const out = await this.run("Get-CsOnlineUser", { Identity: identity }, READ);
      const user = out[0];
      return user ? { policyName: text(user, "OnlineVoiceRoutingPolicy")?.replace(/^Tag:/i, "") ?? null } : undefined;
    } catch (e) {
      if (isNotFound(e)) return undefined;
      throw e;
    }
  }

  /** Grant-CsOnlineVoiceRoutingPolicy -Identity -PolicyName (`null`: removes the user's own policy). */
  async grantVoiceRoutingPolicy(identity: string, policyName: string | null): Promise<void> {
    await this.run("Grant-CsOnlineVoiceRoutingPolicy", { Identity: identity, PolicyName: policyName }, IDEMPOTENT);
  }

  private run(
    cmdlet: AllowedCmdlet,
    parameters: LazyParameters,
    strategies: RetryStrategy[],
  ): Promise<Record<string, unknown>[]> {
    // 8 attempts: a throttling storm (30 % answered 429) must not end a deployment; waits honour Retry-After.
    return withRetry(
      async () => {
        if (!cmdlet.startsWith("Get-")) checkWrite(cmdlet);
        return this.host.invoke(cmdlet, parameters);
      },
      { strategies, maxAttempts: 8, resource: "teams", what: cmdlet },
    );
  }
}
