/**
 * Graph telephone numbers (`/admin/teams/telephoneNumberManagement`). Permission:
 * CALL_PERMISSIONS.numbers. Many concurrent single-number lookups (a refresh of many
 * bots) are answered by one bounded inventory read.
 */
import { CALL_PERMISSIONS } from "../../access/catalogue";
import { fromWireEnum, toWireEnum } from "../../formats";
import type { NumberAssignment, NumberOnAccount } from "../model";
import { BATCH_GATHER_GAPS, GatherWindow, MAX_BATCH_SIZE } from "./batch";
import { odataString, type GraphClient } from "./client";
import { runOperation } from "./operations";

const NUMBERS = "/admin/teams/telephoneNumberManagement";
const PERMISSION = CALL_PERMISSIONS.numbers;
/** Concurrent single-number lookups from which one inventory read (bounded) replaces them. */
export const NUMBER_SWEEP_MIN_LOOKUPS = 10;
/** Page size of the inventory read (Graph's maximum `$top` for numberAssignments). */
const NUMBER_SWEEP_PAGE_SIZE = 1000;

/** Graph's numberAssignment resource as it arrives on the wire. */
interface WireNumberAssignment {
  telephoneNumber: string;
  numberType?: string;
  assignmentTargetId?: string | null;
  assignmentStatus?: string;
  activationState?: string;
  locationId?: string | null;
  capabilities?: string[];
  isoCountryCode?: string | null;
}

/** Graph's numberAssignment → NumberAssignment. */
function fromWire(w: WireNumberAssignment): NumberAssignment {
  return {
    telephoneNumber: w.telephoneNumber,
    numberType: fromWireEnum(w.numberType),
    assignmentTargetId: w.assignmentTargetId ? w.assignmentTargetId.toLowerCase() : null,
    assignmentStatus: w.assignmentStatus ?? "unknown",
    activationState: w.activationState ?? "unknown",
    locationId: w.locationId ?? null,
    capabilities: w.capabilities ?? [],
    isoCountryCode: w.isoCountryCode ? w.isoCountryCode.toUpperCase() : null,
  };
}

type Waiting = { resolve: (r: NumberAssignment | undefined) => void; reject: (e: unknown) => void };

/** Number assignments through Graph. */
export class GraphNumbers {
  private lookups = new Map<string, Waiting[]>();
  private readonly window: GatherWindow;

  constructor(
    private readonly graph: GraphClient,
    private readonly timing: { pollIntervalMs: number; operationTimeoutMs: number },
  ) {
    this.window = new GatherWindow(graph.batchWindowMs, () => void this.flushLookups(), BATCH_GATHER_GAPS);
  }

  /** Number assignments matching a filter (values are escaped, never pasted). */
  async list(filter: { telephoneNumber?: string; assignmentTargetId?: string }): Promise<NumberAssignment[]> {
    const clauses = Object.entries(filter)
      .filter(([, v]) => v !== undefined)
      .map(([k, v]) => `${k} eq ${odataString(v as string)}`);
    const rows = await this.graph.list<WireNumberAssignment>(`${NUMBERS}/numberAssignments`, {
      permission: PERMISSION,
      filter: clauses.length ? clauses.join(" and ") : undefined,
    });
    return rows.map(fromWire);
  }

  /** The tenant's record of one number, or undefined when the tenant does not have it. */
  get(telephoneNumber: string): Promise<NumberAssignment | undefined> {
    if (this.graph.batchWindowMs <= 0) return this.lookup(telephoneNumber);
    // Concurrent lookups are answered together: see flushLookups.
    return new Promise((resolve, reject) => {
      const waiting = this.lookups.get(telephoneNumber) ?? [];
      waiting.push({ resolve, reject });
      this.lookups.set(telephoneNumber, waiting);
      this.window.arrived();
    });
  }

  /** assignNumber, then poll its operation until it succeeded (throws on failed / timeout). */
  async assign(request: NumberOnAccount, resource: string): Promise<void> {
    const body: Record<string, unknown> = {
      telephoneNumber: request.phoneNumber,
      assignmentTargetId: request.instanceId,
      numberType: toWireEnum(request.numberType),
    };
    if (request.locationId) body.locationId = request.locationId;
    await this.operation(`assigning ${request.phoneNumber}`, "assignNumber", body, resource);
  }

  /** unassignNumber, then poll its operation until it succeeded. */
  async unassign(request: NumberOnAccount, resource: string): Promise<void> {
    const body = { telephoneNumber: request.phoneNumber, numberType: toWireEnum(request.numberType) };
    await this.operation(`unassigning ${request.phoneNumber}`, "unassignNumber", body, resource);
  }

  /** updateNumber (locationId only; null clears it, sent as "" since null would mean "keep"). */
  async setLocation(telephoneNumber: string, locationId: string | null): Promise<void> {
    await this.graph.request("POST", `${NUMBERS}/numberAssignments/updateNumber`, {
      permission: PERMISSION,
      body: { telephoneNumber, locationId: locationId ?? "" },
    });
  }

  private operation(what: string, action: string, body: unknown, resource: string): Promise<void> {
    return runOperation(this.graph, {
      what,
      path: `${NUMBERS}/numberAssignments/${action}`,
      body,
      permission: PERMISSION,
      resource,
      pollIntervalMs: this.timing.pollIntervalMs,
      timeoutMs: this.timing.operationTimeoutMs,
    });
  }

  private async lookup(telephoneNumber: string): Promise<NumberAssignment | undefined> {
    const rows = await this.list({ telephoneNumber });
    return rows.find((r) => r.telephoneNumber === telephoneNumber);
  }

  /**
   * Answers the lookups gathered in one window. From NUMBER_SWEEP_MIN_LOOKUPS on, one inventory
   * read (at most one page of 1000 per 20 lookups, so never dearer than the batched lookups) answers
   * the numbers it contains; the rest are looked up one by one (and coalesced into `$batch`).
   */
  private async flushLookups(): Promise<void> {
    const lookups = this.lookups;
    this.lookups = new Map();
    let inventory: Map<string, NumberAssignment> | undefined;
    if (lookups.size >= NUMBER_SWEEP_MIN_LOOKUPS) {
      const maxPages = Math.max(1, Math.floor(lookups.size / MAX_BATCH_SIZE));
      try {
        const rows = await this.graph.list<WireNumberAssignment>(
          `${NUMBERS}/numberAssignments?$top=${NUMBER_SWEEP_PAGE_SIZE}`,
          { permission: PERMISSION, maxPages },
        );
        inventory = new Map(rows.map((w) => [w.telephoneNumber, fromWire(w)]));
      } catch {
        inventory = undefined; // fall back to single lookups, which report their own errors
      }
    }
    for (const [telephoneNumber, waiting] of lookups) {
      const found = inventory?.get(telephoneNumber);
      const result = found ? Promise.resolve(found) : this.lookup(telephoneNumber);
      result.then(
        (r) => waiting.forEach((w) => w.resolve(r)),
        (e: unknown) => waiting.forEach((w) => w.reject(e)),
      );
    }
  }
}
