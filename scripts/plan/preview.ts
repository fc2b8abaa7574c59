/**
 * The engine's structured preview, read from either of its two forms: the JSON `pulumi preview
 * --json` prints (`steps[]` with `oldState` / `newState`, `config`, `diagnostics`), or the events the
 * Automation API hands to `onEvent` (`preludeEvent.config`, `resourcePreEvent.metadata` with `old` /
 * `new`, `diagnosticEvent`). Both become one list of steps with the states a number plan reads.
 * Pure: no I/O.
 */
import type { EngineEvent } from "@pulumi/pulumi/automation";

/** Pulumi's placeholder for a value the preview cannot know yet (an output of a resource to create). */
export const UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9";

/** A resource's state as a step shows it. */
export interface ResourceState {
  inputs: Record<string, unknown>;
  outputs: Record<string, unknown>;
  protect: boolean;
  /** URN of the parent resource (the bot's `teams:index:Bot` component). */
  parent?: string;
}

/** One step of the preview. */
export interface PreviewStep {
  /** The engine's operation: same, create, update, delete, replace, refresh, … */
  op: string;
  urn: string;
  /** Type token, e.g. `pulumi-nodejs:dynamic/teams:BotPhoneNumber`. */
  type: string;
  /** The resource's name (last URN segment), e.g. `alpha-bot-number`. */
  name: string;
  old?: ResourceState;
  new?: ResourceState;
}

/** A message of the engine or the program (errors explain a failed preview). */
export interface PreviewDiagnostic {
  severity: string;
  message: string;
  urn?: string;
}

/** What the plan needs of a preview. */
export interface EnginePreview {
  steps: PreviewStep[];
  /** The stack config the engine ran with (`project:key` → value; secrets are masked by the engine). */
  config: Record<string, string>;
  diagnostics: PreviewDiagnostic[];
  /** True when the preview failed (an error diagnostic, or the caller saw a non-zero exit). */
  failed: boolean;
}

/** A preview that cannot be read (not JSON, or not a preview). */
export class PreviewFormatError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "PreviewFormatError";
  }
}

const record = (v: unknown): Record<string, unknown> =>
  v && typeof v === "object" && !Array.isArray(v) ? (v as Record<string, unknown>) : {};

function stateOf(raw: unknown): ResourceState | undefined {
  if (!raw || typeof raw !== "object") return undefined;
  const s = raw as Record<string, unknown>;
  return {
    inputs: record(s.inputs),
    outputs: record(s.outputs),
    protect: s.protect === true,
    ...(typeof s.parent === "string" && s.parent ? { parent: s.parent } : {}),
  };
}

function stepOf(op: unknown, urn: unknown, type: unknown, oldRaw: unknown, newRaw: unknown): PreviewStep | undefined {
  if (typeof op !== "string" || typeof urn !== "string") return undefined;
  const old = stateOf(oldRaw);
  const next = stateOf(newRaw);
  return {
    op,
    urn,
    type: typeof type === "string" && type ? type : typeFromUrn(urn),
    name: nameFromUrn(urn),
    ...(old ? { old } : {}),
    ...(next ? { new: next } : {}),
  };
}

/** `urn:pulumi:<stack>::<project>::<parent types$>type::name` → name. */
export function nameFromUrn(urn: string): string {
  return urn.slice(urn.lastIndexOf("::") + 2);
}

/** The resource's own type token from its URN (the last `$`-separated type). */
export function typeFromUrn(urn: string): string {
  const parts = urn.split("::");
  const types = parts[parts.length - 2] ?? "";
  return types.slice(types.lastIndexOf("$") + 1);
}

function configOf(raw: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(record(raw))) out[k] = typeof v === "string" ? v : JSON.stringify(v);
  return out;
}

/** Reads the output of `pulumi preview --json` (also a failed preview's, which may hold no steps). */
export function fromPreviewJson(text: string, source = "the preview"): EnginePreview {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (e) {
    const empty = text.trim() === "";
    throw new PreviewFormatError(
      empty
        ? `${source} is empty: save the output of \`pulumi preview --json --stack <stack>\` (stdout only) and pass that file`
        : `${source} is not JSON (${(e as Error).message}): pass the stdout of \`pulumi preview --json\`, not its display`,
    );
  }
  const doc = record(raw);
  if (!Array.isArray(doc.steps) && !Array.isArray(doc.diagnostics))
    throw new PreviewFormatError(
      `${source} is JSON but not a preview: expected "steps" and "diagnostics" as \`pulumi preview --json\` prints them`,
    );
  const steps: PreviewStep[] = [];
  for (const s of Array.isArray(doc.steps) ? doc.steps : []) {
    const r = record(s);
    const step = stepOf(r.op, r.urn, record(r.newState).type ?? record(r.oldState).type, r.oldState, r.newState);
    if (step) steps.push(step);
  }
  const diagnostics = (Array.isArray(doc.diagnostics) ? doc.diagnostics : []).map((d) => {
    const r = record(d);
    return {
      severity: String(r.severity ?? "info"),
      message: String(r.message ?? ""),
      ...(typeof r.urn === "string" ? { urn: r.urn } : {}),
    };
  });
  return { steps, config: configOf(doc.config), diagnostics, failed: diagnostics.some((d) => d.severity === "error") };
}

/** Reads the events of an Automation API preview (`stack.preview({ onEvent })`). */
export function fromEngineEvents(events: EngineEvent[]): EnginePreview {
  const steps: PreviewStep[] = [];
  const diagnostics: PreviewDiagnostic[] = [];
  let config: Record<string, string> = {};
  for (const e of events) {
    if (e.preludeEvent) config = configOf(e.preludeEvent.config);
    const m = e.resourcePreEvent?.metadata;
    if (m) {
      const step = stepOf(m.op, m.urn, m.type, m.old, m.new);
      if (step) steps.push(step);
    }
    const d = e.diagnosticEvent;
    if (d && !d.ephemeral)
      diagnostics.push({ severity: d.severity, message: d.message, ...(d.urn ? { urn: d.urn } : {}) });
  }
  return { steps, config, diagnostics, failed: diagnostics.some((d) => d.severity === "error") };
}
