/**
 * The stack file `Pulumi.<stack>.yaml`: the tenant settings it holds (resolved the way the provider
 * resolves them), the bots it declares, and the merge of exported bots into it. The merge edits
 * the parsed document (the `yaml` package's Document API) so every other key, every comment and
 * the order stay as they were; only `teams-bot-numbers:bots` gains entries and one comment block.
 */
import * as fs from "fs";
import { isMap, isNode, isSeq, parseDocument, stringify, visit, YAMLSeq, type Document } from "yaml";

import { resolveTenantSettings, SETTING_SOURCES, SettingsError, type TenantSettings } from "../../provider/settings";
import { PROJECT } from "../../stacks/program";
import type { Decision, ExportedBot } from "./plan";

/** The config key of the bots list. */
export const BOTS_KEY = `${PROJECT}:bots`;
/** First line of the comment block the export writes for accounts that need a decision. */
export const DECISION_HEADER = "export: accounts that need a decision (uncomment an entry once decided)";
/** Last line of that block (what follows it in the same comment is the user's and is kept). */
export const DECISION_FOOTER = "end of the accounts that need a decision";
/** Marks one account in that block; `--check` reads it back. */
export const DECISION_MARK = "needs a decision:";

/** A stack file, parsed (or absent). */
export interface StackFile {
  path: string;
  /** undefined when the file does not exist yet. */
  doc: Document | undefined;
  text: string;
}

/** Reads and parses a stack file; a syntax error names the file and the line. */
export function readStackFile(file: string): StackFile {
  if (!fs.existsSync(file)) return { path: file, doc: undefined, text: "" };
  const text = fs.readFileSync(file, "utf8");
  const doc = parseDocument(text);
  if (doc.errors.length > 0) {
    throw new SettingsError(`${file} is not valid YAML: ${doc.errors.map((e) => e.message).join("; ")}`);
  }
  if (doc.contents !== null && !isMap(doc.contents))
    throw new SettingsError(`${file}: expected a mapping with a "config:" key at the top`);
  return { path: file, doc, text };
}

/** The `config:` value of a stack file as plain data. */
function configOf(stack: StackFile): Record<string, unknown> {
  const config = (stack.doc?.toJS() as { config?: unknown } | null)?.config;
  return config && typeof config === "object" ? (config as Record<string, unknown>) : {};
}

/**
 * Tenant settings from the stack file's `teams-bot-numbers:*` keys, then the environment: the
 * provider's own resolution. A Pulumi secret cannot be read without the engine, so a secret
 * setting needs its environment variable.
 */
export function tenantSettingsOf(stack: StackFile, env: NodeJS.ProcessEnv = process.env): TenantSettings {
  const config = configOf(stack);
  const problems: string[] = [];
  const getConfig = (key: string): string | undefined => {
    const value = config[`${PROJECT}:${key}`];
    if (value === undefined || value === null) return undefined;
    if (typeof value === "object" && value !== null && "secure" in value) {
      const source = Object.values(SETTING_SOURCES).find((s) => s.config === key);
      if (!source || !env[source.env])
        problems.push(
          `${PROJECT}:${key} is a Pulumi secret in ${stack.path}; the export reads the stack file without the engine, so give it through ${source?.env ?? "the environment"} instead`,
        );
      return undefined;
    }
    return String(value);
  };
  let settings: TenantSettings | undefined;
  let failure: unknown;
  try {
    settings = resolveTenantSettings(getConfig, env);
  } catch (e) {
    failure = e;
  }
  if (problems.length > 0) throw new SettingsError(`tenant settings are incomplete:\n  - ${problems.join("\n  - ")}`);
  if (!settings) throw failure;
  return settings;
}

/** The bots the stack file declares, as written (raw entries). */
export function declaredBots(stack: StackFile): Record<string, unknown>[] {
  const bots = configOf(stack)[BOTS_KEY];
  if (bots === undefined || bots === null) return [];
  if (!Array.isArray(bots)) throw new SettingsError(`${stack.path}: ${BOTS_KEY} must be a list`);
  return bots.filter((b): b is Record<string, unknown> => !!b && typeof b === "object");
}

/** Something the `yaml` package hangs comments on: the document or a node. */
interface CommentHolder {
  commentBefore?: string | null;
  comment?: string | null;
}

/** Where the export's decision block sits in a parsed stack file, and its lines (without `#`). */
interface DecisionBlock {
  holder: CommentHolder;
  field: "commentBefore" | "comment";
  /** Every line of that comment; the block is lines[start..end] (end inclusive). */
  lines: string[];
  start: number;
  end: number;
}

/**
 * Finds the decision block wherever the parser hung it. The export writes it after the last bot,
 * but the Pulumi CLI re-indents the file when it creates the stack or sets a config value, and
 * the same lines then parse as the list's trailing comment, the last bot's, or the comment before
 * the next key: every comment of the document is searched for the header line.
 */
function findDecisionBlock(doc: Document): DecisionBlock | undefined {
  const holders: CommentHolder[] = [doc];
  visit(doc, (_key, node) => {
    if (isNode(node)) holders.push(node);
  });
  for (const holder of holders)
    for (const field of ["commentBefore", "comment"] as const) {
      const lines = holder[field]?.split("\n") ?? [];
      const start = lines.findIndex((l) => l.trim() === DECISION_HEADER);
      if (start < 0) continue;
      const footer = lines.findIndex((l, i) => i > start && l.trim() === DECISION_FOOTER);
      // Without its footer (edited by hand) the block runs to the end of that comment.
      return { holder, field, lines, start, end: footer < 0 ? lines.length - 1 : footer };
    }
  return undefined;
}

/** UPNs the export marked as needing a decision (its comment block), lower-case. */
export function pendingDecisions(stack: StackFile): Set<string> {
  const found = new Set<string>();
  const block = stack.doc ? findDecisionBlock(stack.doc) : undefined;
  if (!block) return found;
  const mark = new RegExp(`^\\s*${DECISION_MARK}\\s*(\\S+)`);
  for (const line of block.lines.slice(block.start, block.end + 1)) {
    const m = mark.exec(line);
    if (m) found.add(m[1]!.toLowerCase());
  }
  return found;
}

/** The comment block (without `#`) for the decisions: what to decide, then the entry to uncomment. */
export function decisionComment(decisions: Decision[]): string {
  const lines = [` ${DECISION_HEADER}`];
  for (const d of decisions) {
    lines.push(` ${DECISION_MARK} ${d.userPrincipalName} (object id ${d.objectId})`);
    for (const r of d.reasons) lines.push(`   - ${r}`);
    for (const l of stringify([d.draft]).trimEnd().split("\n")) lines.push(` ${l}`);
  }
  lines.push(` ${DECISION_FOOTER}`);
  return lines.join("\n");
}

/** Sets a comment; an empty one is removed. */
function setComment(holder: CommentHolder, field: "commentBefore" | "comment", lines: string[]): void {
  holder[field] = lines.some((l) => l.trim() !== "") ? lines.join("\n") : null;
}

/**
 * The stack file with the exported bots appended to `teams-bot-numbers:bots` and the decisions as
 * a comment block after them. A previous export's block is found by parsing (findDecisionBlock):
 * when no bot is added it is replaced where it is; when bots are added it moves after them. A file
 * whose bots and block would not change is returned as it was, byte for byte, whatever tool last
 * formatted it. A new file gets a minimal `config:` with the bots.
 */
export function mergeIntoStackFile(stack: StackFile, bots: ExportedBot[], decisions: Decision[]): string {
  const block = decisions.length > 0 ? decisionComment(decisions).split("\n") : [];
  const found = stack.doc ? findDecisionBlock(stack.doc) : undefined;
  const current = found ? found.lines.slice(found.start, found.end + 1) : [];
  const same = (a: string[], b: string[]): boolean =>
    a.length === b.length && a.every((l, i) => l.trimEnd() === b[i]!.trimEnd());
  if (stack.doc && bots.length === 0 && same(current, block)) return stack.text;

  const doc = stack.doc ?? parseDocument("config: {}\n");
  const list = botsList(stack, doc);
  for (const bot of bots) list.items.push(doc.createNode(bot));
  if (found) {
    const { holder, field, lines, start, end } = found;
    const keep = [...lines.slice(0, start), ...(bots.length === 0 ? block : []), ...lines.slice(end + 1)];
    setComment(holder, field, keep);
    if (bots.length === 0) return doc.toString();
  }
  // New bots (or no block yet): the block goes after the last bot, after the list's own comment.
  const trailing = list.comment ? list.comment.split("\n") : [];
  setComment(list, "comment", [...trailing, ...block]);
  return doc.toString();
}

/** The `teams-bot-numbers:bots` list of the document (made, as a block list, when absent). */
function botsList(stack: StackFile, doc: Document): YAMLSeq {
  if (doc.contents === null) doc.contents = doc.createNode({ config: {} });
  let config = doc.get("config", true);
  if (!isMap(config)) {
    if (config !== undefined && config !== null) throw new SettingsError(`${stack.path}: "config:" must be a mapping`);
    doc.set("config", doc.createNode({}));
    config = doc.get("config", true);
  }
  if (!isMap(config)) throw new SettingsError(`${stack.path}: cannot add "config:"`);
  // A flow mapping (`config: {}`) would print the bots inline: make it a block mapping.
  config.flow = false;
  let list: unknown = config.get(BOTS_KEY, true);
  if (list === undefined || list === null) {
    const seq = new YAMLSeq();
    config.set(BOTS_KEY, seq);
    list = seq;
  }
  if (!isSeq(list)) throw new SettingsError(`${stack.path}: ${BOTS_KEY} must be a list`);
  list.flow = false;
  return list;
}
