/**
 * The stack file `Pulumi.<stack>.yaml`: the tenant settings it holds (resolved the way the provider
 * resolves them), the bots it declares, and the merge of exported bots into it. The merge edits
 * the parsed document (the `yaml` package's Document API) so every other key, every comment and
 * the order stay as they were; only `teams-bot-numbers:bots` gains entries and one comment block.
 */
import * as fs from "fs";
import { isMap, isNode, isScalar, isSeq, parseDocument, stringify, YAMLSeq, type Document, type YAMLMap } from "yaml";

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

/** UPNs the export marked as needing a decision (its comment block), lower-case. */
export function pendingDecisions(stack: StackFile): Set<string> {
  const found = new Set<string>();
  const mark = new RegExp(`^\\s*#\\s*${DECISION_MARK}\\s*(\\S+)`, "gm");
  for (const m of stack.text.matchAll(mark)) found.add(m[1]!.toLowerCase());
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

/**
 * The stack file with the exported bots appended to `teams-bot-numbers:bots` and the decisions as
 * a comment block after them (a previous export's block is replaced). A new file gets a minimal
 * `config:` with the bots.
 */
export function mergeIntoStackFile(stack: StackFile, bots: ExportedBot[], decisions: Decision[]): string {
  const doc = stack.doc ?? parseDocument("config: {}\n");
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
  for (const bot of bots) list.items.push(doc.createNode(bot));
  // The previous export's block goes; comment lines around it (the user's) stay where they are.
  const lines = list.comment ? list.comment.split("\n") : [];
  const start = lines.findIndex((l) => l.trim() === DECISION_HEADER);
  const end = start < 0 ? -1 : lines.findIndex((l, i) => i > start && l.trim() === DECISION_FOOTER);
  const before = start < 0 ? lines : lines.slice(0, start);
  const after = start < 0 || end < 0 ? [] : lines.slice(end + 1);
  const block = decisions.length > 0 ? [decisionComment(decisions)] : [];
  const comment = [...before, ...block].join("\n");
  list.comment = comment.trim() === "" ? null : comment;
  // Comment lines after the block were written before the next key (the parser hands them to the
  // list when they follow its last item): give them back to that key, so a re-export is a no-op.
  if (after.some((l) => l.trim() !== "")) returnToNextKey(doc, config, after.join("\n"));
  return doc.toString();
}

/** Prepends a comment to the key that follows `teams-bot-numbers:bots` (or to the document's end). */
function returnToNextKey(doc: Document, config: YAMLMap, text: string): void {
  const prepend = (node: { commentBefore?: string | null }): void => {
    node.commentBefore = node.commentBefore ? `${text}\n${node.commentBefore}` : text;
  };
  const inConfig = config.items.findIndex((p) => isScalar(p.key) && p.key.value === BOTS_KEY);
  const nextInConfig = config.items[inConfig + 1]?.key;
  if (isNode(nextInConfig)) return prepend(nextInConfig);
  const top = isMap(doc.contents) ? doc.contents.items : [];
  const at = top.findIndex((p) => p.value === config);
  const nextTop = top[at + 1]?.key;
  if (isNode(nextTop)) return prepend(nextTop);
  doc.comment = doc.comment ? `${doc.comment}\n${text}` : text;
}
