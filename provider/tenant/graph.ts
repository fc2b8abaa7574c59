/**
 * Microsoft Graph behind the TenantClient: the Graph client (its own RetryHandler retries
 * 429/503/504 honouring Retry-After; we add only 500/502 and network failures for idempotent
 * calls), error mapping to TenantError, and the number-assignment operations (202 + Location,
 * polled until succeeded or failed). Reads are single calls so `/$batch` coalescing can be added
 * behind `request()` later.
 */
import { Client, GraphError, ResponseType, type GraphRequest } from "@microsoft/microsoft-graph-client";
import type { TenantSettings } from "../config";
import { waitFor } from "../consistency";
import { TenantError } from "../errors";
import { parseRetryAfterMs, sleep, transient, withRetry } from "../retry";
import type { NumberType } from "../validate";
import type { TokenSource } from "./auth";
import type {
  AssignNumberRequest,
  GraphOperations,
  LicenseDetail,
  NumberAssignment,
  SubscribedSku,
  TenantUser,
  Timing,
  UnassignNumberRequest,
} from "./client";

const NUMBERS = "/admin/teams/telephoneNumberManagement";
const USER_FIELDS = "id,userPrincipalName,displayName,usageLocation,accountEnabled,department,assignedLicenses";

/** How long an assign/unassign operation may take before we give up. */
export const NUMBER_OPERATION_TIMEOUT_MS = 10 * 60_000;

/** Quotes a value as an OData string literal (single quotes doubled): values travel as data. */
export function odataString(value: string): string {
  return `'${value.replace(/'/g, "''")}'`;
}

/** Graph's PascalCase number type → the camelCase wire enum. */
export function wireNumberType(type: NumberType): string {
  return type.charAt(0).toLowerCase() + type.slice(1);
}

/** A wire enum (camelCase) → PascalCase number type, when it is one of ours. */
export function fromWireNumberType(value: unknown): NumberType | string {
  const text = String(value ?? "");
  return text.charAt(0).toUpperCase() + text.slice(1);
}

type Method = "GET" | "POST" | "PATCH" | "DELETE";

/** Graph's numberAssignment resource as it arrives on the wire. */
interface WireNumberAssignment {
  telephoneNumber: string;
  numberType?: string;
  assignmentTargetId?: string | null;
  assignmentStatus?: string;
  activationState?: string;
  locationId?: string | null;
  capabilities?: string[];
}

interface WireOperation {
  id?: string;
  status?: string;
  numbers?: { status?: string; statusDetail?: string | null }[];
}

/** Graph operations of the TenantClient. */
export class GraphTenant implements GraphOperations {
  private readonly client: Client;

  constructor(
    private readonly settings: TenantSettings,
    tokens: TokenSource,
    private readonly timing: Timing,
  ) {
    this.client = Client.initWithMiddleware({
      authProvider: { getAccessToken: async () => (await tokens.graphToken()).accessToken },
      baseUrl: settings.graphUrl,
      defaultVersion: "v1.0",
      customHosts: new Set([new URL(settings.graphUrl).hostname]),
    });
  }

  async getUser(idOrUpn: string): Promise<TenantUser | undefined> {
    return this.orUndefined(() => this.request<TenantUser>("GET", `/users/${encodeURIComponent(idOrUpn)}`, { select: USER_FIELDS }));
  }

  async updateUser(id: string, patch: { usageLocation?: string; displayName?: string }): Promise<void> {
    await this.request("PATCH", `/users/${encodeURIComponent(id)}`, { body: patch });
  }

  async deleteUser(id: string): Promise<boolean> {
    const done = await this.orUndefined(() => this.request("DELETE", `/users/${encodeURIComponent(id)}`).then(() => true));
    return done === true;
  }

  async listSubscribedSkus(): Promise<SubscribedSku[]> {
    return this.list<SubscribedSku>("/subscribedSkus");
  }

  async assignLicense(userId: string, addLicenses: { skuId: string; disabledPlans?: string[] }[], removeLicenses: string[]): Promise<void> {
    // Both arrays are non-nullable in the CSDL: always send both.
    const body = { addLicenses: addLicenses.map((l) => ({ skuId: l.skuId, disabledPlans: l.disabledPlans ?? [] })), removeLicenses };
    await this.request("POST", `/users/${encodeURIComponent(userId)}/assignLicense`, { body });
  }

  async listLicenseDetails(userId: string): Promise<LicenseDetail[] | undefined> {
    return this.orUndefined(() => this.list<LicenseDetail>(`/users/${encodeURIComponent(userId)}/licenseDetails`));
  }

  async listNumberAssignments(filter: { telephoneNumber?: string; assignmentTargetId?: string }): Promise<NumberAssignment[]> {
    const clauses = Object.entries(filter)
      .filter(([, v]) => v !== undefined)
      .map(([k, v]) => `${k} eq ${odataString(v as string)}`);
    const rows = await this.list<WireNumberAssignment>(`${NUMBERS}/numberAssignments`, clauses.length ? clauses.join(" and ") : undefined);
    return rows.map(toNumberAssignment);
  }

  async getNumberAssignment(telephoneNumber: string): Promise<NumberAssignment | undefined> {
    const rows = await this.listNumberAssignments({ telephoneNumber });
    return rows.find((r) => r.telephoneNumber === telephoneNumber);
  }

  async assignNumber(request: AssignNumberRequest, resource: string): Promise<void> {
    const body: Record<string, unknown> = {
      telephoneNumber: request.telephoneNumber,
      assignmentTargetId: request.assignmentTargetId,
      numberType: wireNumberType(request.numberType),
    };
    if (request.locationId) body.locationId = request.locationId;
    await this.runOperation(`assigning ${request.telephoneNumber}`, `${NUMBERS}/numberAssignments/assignNumber`, body, resource);
  }

  async unassignNumber(request: UnassignNumberRequest, resource: string): Promise<void> {
    const body = { telephoneNumber: request.telephoneNumber, numberType: wireNumberType(request.numberType) };
    await this.runOperation(`unassigning ${request.telephoneNumber}`, `${NUMBERS}/numberAssignments/unassignNumber`, body, resource);
  }

  async updateNumber(telephoneNumber: string, locationId: string | null): Promise<void> {
    // "" clears the location; null would mean "keep".
    await this.request("POST", `${NUMBERS}/numberAssignments/updateNumber`, { body: { telephoneNumber, locationId: locationId ?? "" } });
  }

  /** POSTs an action that answers 202 + Location, then polls the operation until it ends. */
  private async runOperation(what: string, path: string, body: unknown, resource: string): Promise<void> {
    const response = await this.call("POST", path, () => this.api(path).responseType(ResponseType.RAW).post(body) as Promise<Response>, false);
    if (!response.ok) throw await errorFromResponse(`POST ${path}`, response);
    if (response.status !== 202) return; // done synchronously
    const location = response.headers.get("Location") ?? response.headers.get("Operation-Location");
    if (!location) {
      throw new TenantError({ operation: `POST ${path}`, status: response.status, reason: "the service accepted the request but sent no Location to follow" });
    }
    const operationPath = this.relativePath(location);
    const firstDelayMs = parseRetryAfterMs(response.headers.get("Retry-After")) ?? this.timing.pollIntervalMs;
    // Give the service the pause it asked for (bounded) before the first look.
    await sleep(Math.min(firstDelayMs, 5_000));
    const final = await waitFor<WireOperation>({
      what: `the tenant to finish ${what}`,
      resource,
      timeoutMs: NUMBER_OPERATION_TIMEOUT_MS,
      intervalMs: this.timing.pollIntervalMs,
      confirmations: 1,
      check: async () => {
        const raw = await this.request<WireOperation & { value?: WireOperation }>("GET", operationPath);
        const op = raw.value && !raw.status ? raw.value : raw;
        const status = op.status ?? "unknown";
        return { done: status === "succeeded" || status === "failed" || status === "skipped", status, value: op };
      },
    });
    if (final?.status === "failed") {
      const detail = final.numbers?.map((n) => n.statusDetail).filter((d): d is string => !!d).join("; ");
      throw new TenantError({ operation: `POST ${path}`, code: "OperationFailed", reason: detail || `operation ${final.id ?? ""} failed without details` });
    }
  }

  /** The path (after the version) of a Graph URL; never follows a Location to another host. */
  private relativePath(location: string): string {
    const url = new URL(location, this.settings.graphUrl);
    const base = new URL(this.settings.graphUrl);
    const path = url.pathname.startsWith(base.pathname.replace(/\/$/, "")) ? url.pathname.slice(base.pathname.replace(/\/$/, "").length) : url.pathname;
    return path.replace(/^\/(v1\.0|beta)(?=\/)/, "") + url.search;
  }

  /** All pages of a collection (follows @odata.nextLink, bounded). */
  private async list<T>(path: string, filter?: string): Promise<T[]> {
    const rows: T[] = [];
    let page = await this.request<{ value?: T[]; "@odata.nextLink"?: string }>("GET", path, { filter });
    for (let pages = 1; ; pages++) {
      rows.push(...(page.value ?? []));
      const next = page["@odata.nextLink"];
      if (!next || pages >= 50) return rows;
      page = await this.request("GET", this.relativePath(next));
    }
  }

  private api(path: string): GraphRequest {
    return this.client.api(path);
  }

  /** One Graph call; GETs/PATCH/DELETE/assignLicense are idempotent and retried on 500/502/network failures. */
  private request<T = unknown>(method: Method, path: string, options: { body?: unknown; select?: string; filter?: string } = {}): Promise<T> {
    return this.call(method, path, () => {
      let req = this.api(path);
      if (options.select) req = req.select(options.select);
      // The Graph client does not encode query values: encode them (a "+" would become a space).
      if (options.filter) req = req.filter(encodeURIComponent(options.filter));
      switch (method) {
        case "GET":
          return req.get();
        case "POST":
          return req.post(options.body ?? {});
        case "PATCH":
          return req.patch(options.body ?? {});
        case "DELETE":
          return req.delete();
      }
    });
  }

  private call<T>(method: Method, path: string, send: () => Promise<T>, idempotent = true): Promise<T> {
    const once = async (): Promise<T> => {
      try {
        return await send();
      } catch (e) {
        throw fromGraphError(`${method} ${path.split("?")[0]}`, e);
      }
    };
    if (!idempotent) return once();
    // The Graph client's RetryHandler already covers 429/503/504: only 500/502 and network here.
    return withRetry(once, { strategies: [transient(500, [500, 502])], maxAttempts: 4, resource: "graph", what: `${method} ${path.split("?")[0]}` });
  }

  private async orUndefined<T>(read: () => Promise<T>): Promise<T | undefined> {
    try {
      return await read();
    } catch (e) {
      if (e instanceof TenantError && e.status === 404) return undefined;
      throw e;
    }
  }
}

function toNumberAssignment(w: WireNumberAssignment): NumberAssignment {
  return {
    telephoneNumber: w.telephoneNumber,
    numberType: fromWireNumberType(w.numberType),
    assignmentTargetId: w.assignmentTargetId ? w.assignmentTargetId.toLowerCase() : null,
    assignmentStatus: w.assignmentStatus ?? "unknown",
    activationState: w.activationState ?? "unknown",
    locationId: w.locationId ?? null,
    capabilities: w.capabilities ?? [],
  };
}

/** Maps a GraphError (or a network failure) to a TenantError. */
export function fromGraphError(operation: string, e: unknown): TenantError {
  if (e instanceof TenantError) return e;
  if (e instanceof GraphError) {
    const status = e.statusCode > 0 ? e.statusCode : undefined;
    let message = e.message;
    let requestId = e.requestId ?? undefined;
    if (!message && typeof e.body === "string") {
      try {
        const parsed = JSON.parse(e.body) as { message?: string; innerError?: { "request-id"?: string } };
        message = parsed.message ?? e.body;
        requestId ??= parsed.innerError?.["request-id"];
      } catch {
        message = e.body;
      }
    }
    return new TenantError({
      operation,
      status,
      code: e.code ?? undefined,
      requestId,
      reason: message || (status ? `HTTP ${status}` : "the request failed"),
      retryAfterMs: parseRetryAfterMs(e.headers?.get?.("Retry-After")),
      cause: e,
    });
  }
  return new TenantError({ operation, reason: e instanceof Error ? e.message : String(e), cause: e });
}

/** Builds a TenantError from a raw (non-2xx) response, reading Graph's error envelope. */
async function errorFromResponse(operation: string, response: Response): Promise<TenantError> {
  const text = await response.text().catch(() => "");
  let code: string | undefined;
  let message = text || `HTTP ${response.status}`;
  let requestId: string | undefined;
  try {
    const body = JSON.parse(text) as { error?: { code?: string; message?: string; innerError?: { "request-id"?: string } } };
    code = body.error?.code;
    message = body.error?.message ?? message;
    requestId = body.error?.innerError?.["request-id"];
  } catch {
    // not JSON: keep the text
  }
  requestId ??= response.headers.get("request-id") ?? undefined;
  return new TenantError({ operation, status: response.status, code, requestId, reason: message, retryAfterMs: parseRetryAfterMs(response.headers.get("Retry-After")) });
}
