/**
 * Proves the real engine runs here: preview / up / refresh / destroy of a tiny dynamic resource.
 * The provider is serialized into state, launched by the engine in its own process, and called.
 */
import { execFileSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import * as pulumi from "@pulumi/pulumi";

import { pulumiCliDir } from "../../engine/workspace";
import { EngineHarness, tempFile } from "./harness";

/** A dynamic provider that records each call in a journal file given by the environment. */
const journalProvider: pulumi.dynamic.ResourceProvider = {
  async create(inputs) {
    // Runs inside the engine's dynamic-provider process, not in jest.
    require("fs").appendFileSync(process.env.JOURNAL_FILE as string, `create ${inputs.word} pid=${process.pid}\n`);
    return { id: `note-${inputs.word}`, outs: { word: inputs.word, length: String(inputs.word).length } };
  },
  async read(id, props) {
    require("fs").appendFileSync(process.env.JOURNAL_FILE as string, `read ${id}\n`);
    return { id, props };
  },
  async delete(id) {
    require("fs").appendFileSync(process.env.JOURNAL_FILE as string, `delete ${id}\n`);
  },
};

class Note extends pulumi.dynamic.Resource {
  declare readonly length: pulumi.Output<number>;
  constructor(name: string, word: string) {
    super(journalProvider, name, { word, length: undefined }, {}, "fixture", "Note");
  }
}

describe("real pulumi engine", () => {
  const journal = tempFile("journal.log");
  let h: EngineHarness;

  beforeAll(async () => {
    h = await EngineHarness.create({
      name: "engine",
      program: async () => {
        const n = new Note("greeting", "hello");
        return { length: n.length };
      },
      env: { JOURNAL_FILE: journal },
    });
  });
  afterAll(() => h?.dispose());

  test("the CLI is v3.248.0", () => {
    const version = execFileSync(path.join(pulumiCliDir(), "pulumi"), ["version"], { encoding: "utf8" }).trim();
    console.log(`pulumi version: ${version}`);
    expect(version).toBe("v3.248.0");
  });

  test("preview lists the create with the custom type token and calls nothing", async () => {
    const r = await h.preview();
    expect(r.exitCode).toBe(0);
    expect(r.stdout).toContain("pulumi-nodejs:dynamic/fixture:Note");
    expect(r.changes.create).toBe(2); // the stack and the note
    expect(fs.existsSync(journal) ? fs.readFileSync(journal, "utf8") : "").not.toContain("create");
  });

  test("up creates through a provider process the engine launched", async () => {
    const r = await h.up();
    expect(r.exitCode).toBe(0);
    expect(r.changes.create).toBe(2);
    const lines = fs.readFileSync(journal, "utf8");
    expect(lines).toMatch(/^create hello pid=(\d+)$/m);
    expect(Number(/pid=(\d+)/.exec(lines)![1])).not.toBe(process.pid);
    const note = h.resources().find((r) => r.type === "pulumi-nodejs:dynamic/fixture:Note")!;
    expect(note.id).toBe("note-hello");
    expect(note.outputs).toMatchObject({ word: "hello", length: 5 });
    // The provider itself is serialized into state as source text.
    expect(String(note.inputs?.__provider)).toContain("JOURNAL_FILE");
    expect((await h.stack.outputs()).length.value).toBe(5);
  });

  test("a second up changes nothing", async () => {
    const r = await h.up();
    expect(r.exitCode).toBe(0);
    expect(r.changes).toEqual({ same: 2 });
  });

  test("refresh reads through the provider", async () => {
    const r = await h.refresh();
    expect(r.exitCode).toBe(0);
    expect(fs.readFileSync(journal, "utf8")).toContain("read note-hello");
  });

  test("destroy deletes and empties the state", async () => {
    const r = await h.destroy();
    expect(r.exitCode).toBe(0);
    expect(r.changes.delete).toBe(2);
    expect(fs.readFileSync(journal, "utf8")).toContain("delete note-hello");
    expect(h.resources()).toHaveLength(0);
  });
});
