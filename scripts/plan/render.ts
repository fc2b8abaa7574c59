/**
 * A number plan as a reader sees it (pure): plain text for a terminal or a pipeline log, Markdown
 * for a pull-request comment and a run summary. The content is built once as blocks (headings,
 * paragraphs, lists, tables, code, collapsed parts) and printed by either printer. It opens with
 * the three answers a reviewer needs — who loses a number, in what order numbers come back, what
 * it costs — then the bots, the moves step by step, the seats, the warnings, and the engine's steps.
 */
import type { MoveGroup } from "./moves";
import type { BotRow, NumberPlanReport, NumberView, Seats } from "./plan";

/** Output formats. */
export type Format = "text" | "markdown";
/**
 * Markdown dialect: `github` folds the long parts in `<details>`; `azure-devops` (pull-request
 * comments take no HTML there) prints them as plain sections.
 */
export type Flavor = "github" | "azure-devops";

/** Options of a rendering. */
export interface RenderOptions {
  format: Format;
  flavor?: Flavor;
  /** Markdown: at most this many characters (GitHub takes 65,536 per comment); the raw diff goes first. */
  maxChars?: number;
}

type Block =
  | { kind: "heading"; text: string; level?: 1 }
  | { kind: "para"; text: string }
  | { kind: "list"; items: string[]; ordered?: boolean }
  | { kind: "table"; header: string[]; rows: string[][] }
  | { kind: "code"; lines: string[] }
  | { kind: "details"; summary: string; blocks: Block[] };

/** The marker line that finds this stack's plan comment again (a Markdown link definition: never shown). */
export function commentMarker(stack: string): string {
  return `[//]: # (teams-bot-numbers number plan: ${stack})`;
}

const DEFAULT_MAX_CHARS = 60_000;

const shortId = (id: string | null | undefined): string => (id ? id.slice(0, 8) : "");

function numberCell(r: BotRow): string {
  const b = r.before?.phoneNumber;
  const a = r.after?.phoneNumber;
  if (r.account === "adopt" && !r.before && a && r.refused === undefined) return `${a} (adopt: as the tenant has it)`;
  if (!b && !a) return "–";
  if (b === a) return a!;
  return `${b ?? "–"} → ${a ?? "–"}`;
}

function typeCell(r: BotRow): string {
  const b = r.before?.numberType;
  const a = r.after?.numberType;
  if (!b && !a) return "–";
  if (!r.after) return b!;
  return b && a && b !== a ? `${b} → ${a}` : (a ?? b)!;
}

function locationOf(n: NumberView | undefined): string {
  if (n?.locationFrom === "unknown") return "the number's own (not declared)";
  if (!n || !n.locationId) return "–";
  return n.locationFrom === "tenant" ? `${shortId(n.locationId)} (tenant's)` : shortId(n.locationId);
}

function locationCell(r: BotRow): string {
  const b = locationOf(r.before);
  if (!r.after) return b;
  const a = locationOf(r.after);
  return b === a || !r.before ? a : `${b} → ${a}`;
}

function licenceCell(r: BotRow, tenantRead: boolean): string {
  switch (r.licence) {
    case "create":
      return r.licenceHeld ? `${r.skuPartNumber}: already held` : `assign ${r.skuPartNumber} (1 seat)`;
    case "adopt":
      if (r.licenceHeld) return `${r.skuPartNumber}: already held (no seat)`;
      return tenantRead ? `assign ${r.skuPartNumber} (1 seat)` : `adopt ${r.skuPartNumber} (1 seat if not held)`;
    case "replace":
      return `replace ${r.skuPartNumber}`;
    case "delete":
      return `remove ${r.skuPartNumber} (seat freed at the end)`;
    case "update":
      return `update ${r.skuPartNumber}`;
    case "none":
      return "–";
    default:
      return "keep";
  }
}

/** The outbound calling part of the licence cell: "+ MCOPSTN_PAYG_1 (1 seat)", "policy A → B", … */
function outboundCell(o: BotRow["outbound"]): string | undefined {
  if (!o) return undefined;
  const what = o.kind === "callingPlan" ? (v: string) => v : (v: string) => `policy ${v}`;
  const seat = o.kind === "callingPlan" ? " (1 seat)" : "";
  switch (o.op) {
    case "create":
      return `outbound: + ${what(o.after ?? "?")}${seat}`;
    case "delete":
      return `outbound: − ${what(o.before ?? "?")}${o.kind === "callingPlan" ? " (seat freed)" : ""}`;
    case "keep":
      return `outbound: ${what(o.after ?? o.before ?? "?")}`;
    default:
      return o.before === o.after
        ? `outbound: ${o.op} ${what(o.after ?? "?")}`
        : `outbound: ${what(o.before ?? "?")} → ${o.after ?? "?"}`;
  }
}

function botCell(r: BotRow): string {
  const tag = { added: "new", adopted: "adopt", removed: "removed", changed: "", unchanged: "" }[r.status];
  return `${r.name}${r.index === undefined ? "" : ` (bots[${r.index}])`}${tag ? ` · ${tag}` : ""}`;
}

function accountCell(r: BotRow): string {
  const what = {
    create: "create",
    adopt: "adopt",
    update: `update: ${r.accountChanges.join("; ")}`,
    replace: `REPLACE: ${r.accountChanges.join("; ")}`,
    delete: "delete",
    keep: "",
  }[r.account];
  return what ? `${r.userPrincipalName} (${what})` : r.userPrincipalName;
}

function botTable(rows: BotRow[], tenantRead: boolean, emphasise: (s: string) => string): Block {
  return {
    kind: "table",
    header: ["bot", "account", "number before → after", "type", "emergency location", "licence"],
    rows: rows.map((r) => [
      botCell(r),
      accountCell(r),
      r.refused !== undefined
        ? `${numberCell(r)} ${emphasise("REFUSED")}`
        : r.before?.phoneNumber !== r.after?.phoneNumber
          ? emphasise(numberCell(r))
          : numberCell(r),
      typeCell(r),
      locationCell(r),
      [licenceCell(r, tenantRead), outboundCell(r.outboundGone), outboundCell(r.outbound)].filter(Boolean).join("; "),
    ]),
  };
}

const list = (names: string[]): string => (names.length === 0 ? "nobody" : names.join(", "));

function groupTitle(g: MoveGroup, i: number): string {
  const who = g.members.join(g.kind === "swap" ? " ⇄ " : ", ");
  const kind = {
    swap: "swap (cycle)",
    rotation: `rotation through ${g.members.length} bots (cycle)`,
    chain: "chain",
    single: "",
  }[g.kind];
  const head = kind
    ? `${kind}: ${who}`
    : g.claims.length && g.releases.length
      ? `number change: ${who}`
      : g.claims.length
        ? `new number: ${who}`
        : `number given up: ${who}`;
  const wait = g.waitsFor.length
    ? ` — runs once the new account${g.waitsFor.length > 1 ? "s" : ""} of ${g.waitsFor.join(", ")} and ${g.waitsFor.length > 1 ? "their" : "its"} licence are ready`
    : "";
  return `Group ${i + 1} · ${head}${wait}`;
}

/** A cycle: every member gives its number up together, then every member takes its new one. */
function cycleSteps(g: MoveGroup): string[] {
  const without = g.releases.map((s) => s.bot);
  return [
    `release: ${g.releases.map((s) => `${s.bot} gives up ${s.phoneNumber}`).join("; ")} — from here without a number: ${without.join(", ")}`,
    `claim: ${g.claims.map((s) => `${s.bot} takes ${s.phoneNumber}`).join("; ")} — ${without.join(", ")} ${without.length > 1 ? "have" : "has"} a number again`,
  ];
}

/** A chain (or one bot): from its free end, each member takes its new number before it gives up its old one. */
function chainSteps(g: MoveGroup): string[] {
  return g.phases.flat().map((s) => {
    if (s.kind === "claim") return `claim: ${s.bot} takes ${s.phoneNumber}`;
    const holds = g.claims.find((c) => c.bot === s.bot);
    return `release: ${s.bot} gives up ${s.phoneNumber}${holds ? ` — it holds ${holds.phoneNumber} already, never without a number` : ""}`;
  });
}

/** "+1… gamma-bot → epsilon-bot; …": which number passes from whom to whom. */
function handoffLine(g: MoveGroup): string | undefined {
  if (g.handoffs.length === 0) return undefined;
  return `Numbers passed on: ${g.handoffs.map((h) => `${h.phoneNumber} ${h.from} → ${h.to}`).join("; ")}.`;
}

function groupSteps(g: MoveGroup, keeps: Set<string>): string[] {
  const steps = g.cycle ? cycleSteps(g) : chainSteps(g);
  const gone = g.releases.filter((s) => !g.claims.some((c) => c.bot === s.bot) && !keeps.has(s.bot));
  if (gone.length) steps.push(`for good: ${gone.map((s) => `${s.bot} keeps no number (${s.phoneNumber})`).join("; ")}`);
  return steps;
}

function seatLine(s: Seats): string {
  const known = s.enabled !== undefined && s.consumed !== undefined;
  const free = known ? s.enabled! - s.consumed! : undefined;
  const after = free === undefined ? undefined : free - s.needed + s.freed;
  return [
    `${s.upTo ? "up to " : ""}${s.needed} new seat${s.needed === 1 ? "" : "s"} needed${s.upTo ? " (adopted accounts that hold the licence need none)" : ""}`,
    s.freed ? `${s.freed} freed at the end of the run` : "",
    known ? `${free} of ${s.enabled} free now → ${after} free after the run` : "free seats unknown",
  ]
    .filter(Boolean)
    .join(", ");
}

/** The plan as blocks (shared by both printers). */
function blocks(plan: NumberPlanReport, o: { format: Format; flavor: Flavor }, trim: Trim): Block[] {
  const md = o.format === "markdown";
  const strong = (s: string): string => (md ? `**${s}**` : s);
  const code = (s: string): string => (md ? `\`${s}\`` : s);
  const out: Block[] = [];
  out.push({ kind: "heading", level: 1, text: `Number plan · stack ${code(plan.stack)}` });

  const status = [
    plan.previewFailed ? strong("The preview FAILED") : "Preview succeeded",
    plan.tenant.read
      ? `tenant read (GET requests only) as ${plan.tenant.detail}${plan.tenant.gaps.length ? `, with gaps (below)` : ""}`
      : `${strong("config-only plan")}: the tenant was not read (${plan.tenant.detail}), so who holds a wanted number now and how many seats are free are unknown`,
  ];
  out.push({ kind: "para", text: status.join(" · ") });

  // The three answers.
  // Only the members of a cycle are without a number for a moment: a chain claims before it releases.
  const moving = plan.groups
    .filter((g) => g.cycle)
    .flatMap((g) => g.releases.filter((r) => g.claims.some((c) => c.bot === r.bot)).map((r) => r.bot));
  const forGood = plan.bots
    .filter((r) => r.before && !r.after)
    .map((r) => `${r.name} (${r.before!.phoneNumber}${r.status === "removed" ? ", bot removed" : ""})`);
  const gaining = plan.bots
    .filter((r) => !r.before && r.after && !(r.account === "adopt" && !plan.tenant.read))
    .map((r) => `${r.name} (${r.after!.phoneNumber})`);
  const refused = plan.bots.filter((r) => r.refused !== undefined);
  const stops = plan.previewFailed || refused.length > 0;
  const answers: string[] = [];
  if (stops)
    answers.push(
      `${strong("`pulumi up` would stop before changing anything")}: ${plan.previewFailed ? "the preview failed" : ""}${plan.previewFailed && refused.length ? "; " : ""}${refused.length ? `refused: ${refused.map((r) => r.name).join(", ")}` : ""} (see Warnings). What follows is what it would do once that is fixed.`,
    );
  answers.push(
    `${strong("Without a number for a moment")}: ${list(moving)}${moving.length ? " (each from its cycle's release until its claim, below)" : ""}.`,
    `${strong("Loses its number for good")}: ${list(forGood)}.`,
    `${strong("Gets a number")}: ${list(gaining)}.`,
    `${strong("Order")}: ${plan.groups.length === 0 ? "no number moves." : `${plan.groups.length} group${plan.groups.length > 1 ? "s" : ""} (below); a cycle (swap, rotation) gives up every number before it takes the new ones, a chain takes each new number before it gives up the old one, and a failed step rolls the group back so every bot holds the number it held before.`}`,
    `${strong("Cost")}: ${plan.seats.map((s) => `${s.skuPartNumber}: ${seatLine(s)}`).join("; ")}; numbers: ${plan.bots.filter((r) => r.after && r.before?.phoneNumber !== r.after.phoneNumber && !plan.bots.some((x) => x.before?.phoneNumber === r.after!.phoneNumber)).length} taken from the tenant, ${plan.leaving.length} leave the stack.`,
  );
  out.push({ kind: "list", items: answers });

  // Bots.
  const changed = plan.bots.filter((r) => r.status !== "unchanged");
  const unchanged = plan.bots.filter((r) => r.status === "unchanged");
  out.push({ kind: "heading", text: `Bots (${changed.length} changing, ${unchanged.length} unchanged)` });
  if (changed.length) out.push(botTable(changed.slice(0, trim.changing), plan.tenant.read, strong));
  else out.push({ kind: "para", text: "No bot changes." });
  if (changed.length > trim.changing)
    out.push({ kind: "para", text: cutNote(changed.length - trim.changing, "changing bots") });
  if (unchanged.length && !trim.unchanged)
    out.push({ kind: "para", text: cutNote(unchanged.length, "unchanged bots") });
  else if (unchanged.length) {
    const table = botTable(unchanged, plan.tenant.read, (s) => s);
    if (md && o.flavor === "github")
      out.push({
        kind: "details",
        summary: `${unchanged.length} unchanged bot${unchanged.length > 1 ? "s" : ""}`,
        blocks: [table],
      });
    else
      out.push({
        kind: "para",
        text: `Unchanged (${unchanged.length}): ${unchanged.map((r) => `${r.name}${r.after ? ` ${r.after.phoneNumber}` : ""}`).join(", ")}`,
      });
  }

  // Moves.
  out.push({ kind: "heading", text: "Moves, in order" });
  if (plan.groups.length === 0) out.push({ kind: "para", text: "No number moves between accounts." });
  const keeps = new Set(plan.bots.filter((r) => r.after).map((r) => r.name));
  plan.groups.forEach((g, i) => {
    out.push({ kind: "para", text: strong(groupTitle(g, i)) });
    const handoffs = handoffLine(g);
    if (handoffs) out.push({ kind: "para", text: handoffs });
    out.push({ kind: "list", ordered: true, items: groupSteps(g, keeps) });
  });
  const inPlace = plan.bots.filter(
    (r) => r.before && r.after && r.before.phoneNumber === r.after.phoneNumber && r.number === "update",
  );
  if (inPlace.length)
    out.push({
      kind: "para",
      text: `In place, nothing released: ${inPlace.map((r) => `${r.name} ${r.after!.phoneNumber} (${[typeCell(r) !== r.after!.numberType ? `type ${typeCell(r)}` : "", locationCell(r) !== locationOf(r.after) ? `emergency location ${locationCell(r)}` : ""].filter(Boolean).join(", ") || "settings"})`).join("; ")}.`,
    });

  // Cost.
  out.push({ kind: "heading", text: "Seats and numbers" });
  out.push({
    kind: "table",
    header: ["licence", "new seats needed", "freed (end of run)", "free now", "free after the run"],
    rows: plan.seats.map((s) => {
      const known = s.enabled !== undefined && s.consumed !== undefined;
      const free = known ? s.enabled! - s.consumed! : undefined;
      return [
        s.skuPartNumber,
        s.upTo ? `up to ${s.needed}` : String(s.needed),
        String(s.freed),
        free === undefined ? "unknown" : `${free} of ${s.enabled}`,
        free === undefined ? "unknown" : String(free - s.needed + s.freed),
      ];
    }),
  });
  if (plan.leaving.length)
    out.push({
      kind: "para",
      text: `Leaving the stack (unassigned, kept in the tenant's inventory): ${plan.leaving.map((l) => `${l.phoneNumber} (${l.from})`).join(", ")}.`,
    });

  // Warnings, drift, gaps.
  out.push({ kind: "heading", text: `Warnings (${plan.warnings.length})` });
  out.push(
    plan.warnings.length ? { kind: "list", items: plan.warnings.map((w) => w.text) } : { kind: "para", text: "None." },
  );
  if (plan.errors.length) out.push({ kind: "code", lines: plan.errors.flatMap((e) => e.split("\n")) });
  if (plan.drift.length) {
    out.push({ kind: "heading", text: "Read back by refresh (the tenant differs from the recorded state)" });
    out.push({ kind: "list", items: plan.drift });
  }
  if (plan.tenant.gaps.length) {
    out.push({ kind: "heading", text: "Not read from the tenant" });
    out.push({ kind: "list", items: plan.tenant.gaps });
  }

  // Raw diff.
  const raw: Block = {
    kind: "code",
    lines: plan.rawDiff.length
      ? [
          ...plan.rawDiff.slice(0, trim.rawDiff).flatMap((l) => l.split("\n")),
          ...(plan.rawDiff.length > trim.rawDiff ? [cutNote(plan.rawDiff.length - trim.rawDiff, "steps")] : []),
        ]
      : ["(no changes)"],
  };
  if (md && o.flavor === "github")
    out.push({
      kind: "details",
      summary: `Raw diff: the engine's ${plan.rawDiff.length} step${plan.rawDiff.length === 1 ? "" : "s"}`,
      blocks: [raw],
    });
  else {
    out.push({
      kind: "heading",
      text: `Raw diff: the engine's ${plan.rawDiff.length} step${plan.rawDiff.length === 1 ? "" : "s"}`,
    });
    out.push(raw);
  }
  return out;
}

/** Markdown table cells: pipes escaped, no line breaks. */
const cell = (s: string): string => s.replace(/\|/g, "\\|").replace(/\n/g, " ");

function markdown(bs: Block[], flavor: Flavor): string {
  const print = (b: Block): string => {
    switch (b.kind) {
      case "heading":
        return `${b.level === 1 ? "###" : "####"} ${b.text}`;
      case "para":
        return b.text;
      case "list":
        return b.items.map((t, i) => `${b.ordered ? `${i + 1}.` : "-"} ${t}`).join("\n");
      case "table":
        return [
          `| ${b.header.map(cell).join(" | ")} |`,
          `|${b.header.map(() => "---").join("|")}|`,
          ...b.rows.map((r) => `| ${r.map(cell).join(" | ")} |`),
        ].join("\n");
      case "code":
        return ["```text", ...b.lines, "```"].join("\n");
      case "details":
        return flavor === "github"
          ? [`<details><summary>${b.summary}</summary>`, "", ...b.blocks.map(print), "", "</details>"].join("\n")
          : [`#### ${b.summary}`, ...b.blocks.map(print)].join("\n\n");
    }
  };
  return bs.map(print).join("\n\n") + "\n";
}

function text(bs: Block[]): string {
  const print = (b: Block): string => {
    switch (b.kind) {
      case "heading":
        return `${b.text}\n${"-".repeat(b.text.length)}`;
      case "para":
        return b.text;
      case "list":
        return b.items.map((t, i) => `${b.ordered ? `${i + 1}.` : "-"} ${t}`).join("\n");
      case "table": {
        const widths = b.header.map((h, c) => Math.max(h.length, ...b.rows.map((r) => (r[c] ?? "").length)));
        const line = (cells: string[]): string =>
          cells
            .map((x, c) => x.padEnd(widths[c]!))
            .join("  ")
            .trimEnd();
        return [line(b.header), line(widths.map((w) => "-".repeat(w))), ...b.rows.map(line)].join("\n");
      }
      case "code":
        return b.lines.map((l) => `    ${l}`).join("\n");
      case "details":
        return [`${b.summary}:`, ...b.blocks.map(print)].join("\n");
    }
  };
  return bs.map(print).join("\n\n") + "\n";
}

/** Renders the plan; Markdown starts with the comment marker and stays under `maxChars`. */
export function renderPlan(plan: NumberPlanReport, o: RenderOptions): string {
  const flavor = o.flavor ?? "github";
  if (o.format === "text") return text(blocks(plan, { format: "text", flavor }, FULL));
  const max = o.maxChars ?? DEFAULT_MAX_CHARS;
  const footer = `\n_Rendered by \`npm run plan\` from the engine's preview and the stack config: see docs/pull-request-plans.md._\n`;
  const print = (trim: Trim): string =>
    `${commentMarker(plan.stack)}\n\n${markdown(blocks(plan, { format: "markdown", flavor }, trim), flavor)}${footer}`;
  /** The largest n in [0, hi] for which print(make(n)) fits (hi when it all fits). */
  const fit = (hi: number, make: (n: number) => Trim): number => {
    let lo = 0;
    while (lo < hi) {
      const mid = Math.ceil((lo + hi) / 2);
      if (print(make(mid)).length <= max) lo = mid;
      else hi = mid - 1;
    }
    return lo;
  };
  // Too long for one comment: the raw diff goes first, then the unchanged bots, then changing bots
  // beyond what fits (the job log has the full plan).
  const all = plan.bots.filter((r) => r.status !== "unchanged").length;
  let trim: Trim = FULL;
  if (print(trim).length > max) trim = { ...trim, rawDiff: fit(plan.rawDiff.length, (n) => ({ ...trim, rawDiff: n })) };
  if (print(trim).length > max) trim = { rawDiff: 0, unchanged: false, changing: all };
  if (print(trim).length > max) trim = { ...trim, changing: fit(all, (n) => ({ ...trim, changing: n })) };
  return print(trim);
}

/** How much of the long parts to print. */
interface Trim {
  /** Raw diff steps printed. */
  rawDiff: number;
  /** Whether the unchanged bots are listed. */
  unchanged: boolean;
  /** Changing bots printed. */
  changing: number;
}

const FULL: Trim = { rawDiff: Infinity, unchanged: true, changing: Infinity };

const cutNote = (n: number, what: string): string =>
  `… ${n} more ${what} not shown (too long for one comment): see the job log`;
