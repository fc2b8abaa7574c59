/**
 * Reading the preview's steps (pure): each resource's main step and its state before and after the
 * run (a refresh's reading counts as "before"), the engine's steps as raw-diff lines in an order a
 * reader can follow, what a refresh read back that differs from the state (drift), and the accounts
 * the stack holds before the run.
 */
import { nameFromUrn, typeFromUrn, UNKNOWN, type EnginePreview, type PreviewStep, type ResourceState } from "./preview";

export const TEAMS = "pulumi-nodejs:dynamic/teams:";
export const BOT_COMPONENT = "teams:index:Bot";
/** Inputs that say nothing to a reviewer (the serialized provider, the bot's label). */
const HIDDEN_INPUTS = new Set(["__provider", "bot"]);

/** A resource of a bot as the run treats it. */
export interface Tracked {
  op: string;
  before?: ResourceState;
  after?: ResourceState;
}

const OPS_KEEPING = new Set(["same", "create", "update", "replace", "create-replacement", "import", "read"]);
const MAIN_OP_ORDER = ["replace", "create-replacement", "create", "import", "update", "delete", "same"];

/** Every resource of the preview by URN: its main step's op and its states before and after the run. */
export function trackResources(steps: PreviewStep[]): Map<string, Tracked & { step: PreviewStep }> {
  const byUrn = new Map<string, PreviewStep[]>();
  for (const s of steps) byUrn.set(s.urn, [...(byUrn.get(s.urn) ?? []), s]);
  const out = new Map<string, Tracked & { step: PreviewStep }>();
  for (const [urn, list] of byUrn) {
    const refresh = list.find((s) => s.op === "refresh");
    const mains = list.filter((s) => s.op !== "refresh");
    const main = MAIN_OP_ORDER.map((op) => mains.find((s) => s.op === op)).find(Boolean) ?? mains[0];
    const refreshed = refresh ? refresh.new : undefined;
    if (!main) {
      out.set(urn, { op: "same", before: refreshed, after: refreshed, step: refresh! });
      continue;
    }
    const op = main.op === "create-replacement" ? "replace" : main.op;
    const before = main.old ?? (op === "create" ? undefined : refreshed);
    out.set(urn, { op, before, after: OPS_KEEPING.has(main.op) ? (main.new ?? before) : undefined, step: main });
  }
  return out;
}

export const str = (v: unknown): string | undefined =>
  typeof v === "string" && v !== "" && v !== UNKNOWN ? v : undefined;

/** `key: old → new` for each input that differs (hidden inputs left out). */
export function inputChanges(before: Record<string, unknown>, after: Record<string, unknown>): string[] {
  const a = flatten(before);
  const b = flatten(after);
  const keys = [...new Set([...a.keys(), ...b.keys()])].sort();
  return keys
    .filter((k) => a.get(k) !== b.get(k))
    .map((k) => `${k}: ${a.get(k) ?? "(none)"} → ${b.get(k) ?? "(none)"}`);
}

/** Flattens inputs to `path → printable value` (`bots[0].phoneNumber`), leaving hidden inputs out. */
export function flatten(value: Record<string, unknown>): Map<string, string> {
  const out = new Map<string, string>();
  const walk = (v: unknown, at: string): void => {
    if (Array.isArray(v)) v.forEach((x, i) => walk(x, `${at}[${i}]`));
    else if (v && typeof v === "object") for (const [k, x] of Object.entries(v)) walk(x, at ? `${at}.${k}` : k);
    else if (v !== undefined && v !== null) out.set(at, v === UNKNOWN ? "(known after apply)" : String(v));
  };
  for (const [k, v] of Object.entries(value)) if (!HIDDEN_INPUTS.has(k)) walk(v, k);
  return out;
}

const KIND_ORDER = [
  BOT_COMPONENT,
  `${TEAMS}ApplicationInstance`,
  `${TEAMS}VirtualUserLicense`,
  `${TEAMS}BotPhoneNumber`,
];

/** The bot a step belongs to ("" for the stack's own resources, such as the number plan). */
function botOfStep(s: PreviewStep): string {
  if (s.type === BOT_COMPONENT) return s.name;
  const parent = s.new?.parent ?? s.old?.parent;
  return parent && typeFromUrn(parent) === BOT_COMPONENT ? nameFromUrn(parent) : "";
}

/** Steps in a stable order a reader can follow: the stack's own, then bot by bot (account, licence, number). */
function byBotThenKind(a: PreviewStep, b: PreviewStep): number {
  const kind = (s: PreviewStep): number => {
    const i = KIND_ORDER.indexOf(s.type);
    return i < 0 ? KIND_ORDER.length : i;
  };
  return botOfStep(a).localeCompare(botOfStep(b)) || kind(a) - kind(b) || a.name.localeCompare(b.name);
}

/** One raw-diff line per step that changes something. */
export function rawDiffOf(steps: PreviewStep[]): string[] {
  const symbol: Record<string, string> = {
    create: "+",
    update: "~",
    delete: "-",
    replace: "+-",
    "create-replacement": "++",
    "delete-replaced": "--",
    import: "=",
  };
  const lines: string[] = [];
  for (const s of [...steps].sort(byBotThenKind)) {
    // The stack and provider resources are the engine's plumbing (a provider's inputs are the stack's config): left out.
    if (
      s.op === "same" ||
      s.op === "refresh" ||
      s.op === "read" ||
      s.type.startsWith("pulumi:providers:") ||
      s.type === "pulumi:pulumi:Stack"
    )
      continue;
    const type = s.type.startsWith(TEAMS) ? s.type.slice(TEAMS.length) : s.type;
    const head = `${symbol[s.op] ?? s.op} ${s.op} ${type} ${s.name}`;
    const details =
      s.op === "create" || s.op === "import"
        ? [...flatten(s.new?.inputs ?? {})].map(([k, v]) => `${k}: ${v}`)
        : s.op === "update" || s.op === "replace"
          ? inputChanges(s.old?.inputs ?? {}, s.new?.inputs ?? {})
          : [];
    lines.push(details.length ? `${head}\n    ${details.join("\n    ")}` : head);
  }
  return lines;
}

/** What the refresh read back that differs from the recorded state (drift). */
export function driftOf(steps: PreviewStep[]): string[] {
  const out: string[] = [];
  for (const s of [...steps].sort(byBotThenKind)) {
    if (s.op !== "refresh" || !s.type.startsWith(TEAMS) || !s.old) continue;
    const type = s.type.slice(TEAMS.length);
    if (!s.new) {
      out.push(`${type} ${s.name}: recorded, but gone from the tenant`);
      continue;
    }
    const changes = inputChanges(s.old.outputs, s.new.outputs);
    if (changes.length) out.push(`${type} ${s.name}: ${changes.join("; ")}`);
  }
  return out;
}

/** Object ids of the accounts the stack manages before this run (to tell a move from a number held outside). */
export function stackAccountsOf(preview: EnginePreview): Set<string> {
  const ids = new Set<string>();
  for (const s of preview.steps) {
    for (const state of [s.old, s.new]) {
      if (!state) continue;
      if (s.type === `${TEAMS}ApplicationInstance`) {
        const id = str(state.outputs.objectId);
        if (id) ids.add(id.toLowerCase());
      }
      if (s.type === `${TEAMS}NumberPlan`) {
        for (const key of ["bots", "removed"] as const)
          for (const b of [...((state.inputs[key] as unknown[]) ?? []), ...((state.outputs[key] as unknown[]) ?? [])]) {
            const id = str((b as { instanceId?: unknown })?.instanceId);
            if (id) ids.add(id.toLowerCase());
          }
      }
    }
  }
  return ids;
}
