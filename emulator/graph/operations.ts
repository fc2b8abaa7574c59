/** Telephone-number long-running operations: creation, time-based status, and settling (when rules run and effects apply). */
import * as crypto from "crypto";

import { EmulatorContext } from "../context";
import { applyAssign, applyUnassign, checkAssign, findNumber, numberForAssignment } from "../rules";
import { OperationRec } from "../state";

const MAX_KEPT = 500;

/** Creates an operation that completes after the profile's operation duration. */
export function createOperation(
  ctx: EmulatorContext,
  op: Omit<OperationRec, "id" | "createdMs" | "completeMs" | "result">,
): OperationRec {
  const now = Date.now();
  const kind = op.kind === "assign" ? "Assignment" : "Unassignment";
  const rec: OperationRec = {
    ...op,
    id: Buffer.from(`${kind}|${crypto.randomUUID()}`).toString("base64url"),
    createdMs: now,
    completeMs: now + ctx.faults.timings.operationDurationMs,
    result: null,
  };
  ctx.store.state.operations.push(rec);
  if (ctx.store.state.operations.length > MAX_KEPT)
    ctx.store.state.operations.splice(0, ctx.store.state.operations.length - MAX_KEPT);
  ctx.store.changed();
  return rec;
}

/** Runs every due operation in completion order: rules are checked at completion, as the service does. */
export function settleOperations(ctx: EmulatorContext, nowMs = Date.now()): void {
  const due = ctx.store.state.operations
    .filter((o) => o.result === null && o.completeMs <= nowMs)
    .sort((a, b) => a.completeMs - b.completeMs || a.createdMs - b.createdMs);
  if (due.length === 0) return;
  for (const op of due) {
    const store = ctx.store;
    if (op.kind === "assign") {
      const target = store.state.users.find((u) => u.id === op.assignmentTargetId?.toLowerCase());
      const failure = checkAssign(
        store,
        op.telephoneNumber,
        op.numberType,
        target,
        op.assignmentTargetId ?? "",
        ctx.faults.timings,
        nowMs,
        op.assignmentCategory,
      );
      const injected = failure || !target ? null : ctx.faults.assignFault(op.telephoneNumber);
      if (failure || !target || injected) {
        op.result = { status: "failed", statusDetail: failure?.message ?? injected ?? "unknown target" };
      } else {
        applyAssign(store, numberForAssignment(store, op.telephoneNumber, op.numberType)!, target, {
          locationId: op.locationId,
          assignmentCategory: op.assignmentCategory,
          uploads: ctx.faults.timings.directRoutingAssignUploads,
        });
        op.result = { status: "succeeded", statusDetail: null };
      }
      store.audit({
        family: "graph",
        operation: "assignNumber",
        target: op.assignmentTargetId,
        number: op.telephoneNumber,
        appId: op.appId,
        outcome: failure ? `error: ${failure.kind}` : injected ? "error: injected" : "ok",
      });
    } else {
      const rec = findNumber(store, op.telephoneNumber, op.numberType);
      if (!rec) {
        op.result = {
          status: "failed",
          statusDetail: `Telephone Number '${op.telephoneNumber}' is not found from tenant '${store.state.tenant.id}'`,
        };
      } else {
        op.assignmentTargetId = rec.assignmentTargetId;
        applyUnassign(store, rec);
        op.result = { status: "succeeded", statusDetail: null };
      }
      store.audit({
        family: "graph",
        operation: "unassignNumber",
        target: op.assignmentTargetId,
        number: op.telephoneNumber,
        appId: op.appId,
        outcome: rec ? "ok" : "error: numberNotFound",
      });
    }
  }
  ctx.store.changed();
}

/** Status of an operation now. */
export function operationStatus(op: OperationRec, nowMs = Date.now()): string {
  if (op.result) return op.result.status;
  const quarter = (op.completeMs - op.createdMs) / 4;
  return nowMs < op.createdMs + quarter ? "notStarted" : "running";
}
