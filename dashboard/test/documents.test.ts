import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { trustedDocuments } from "../scripts/documents.mjs";
import * as operations from "../src/gql/operations";

const source = readFileSync(join(__dirname, "..", "src", "gql", "operations.ts"), "utf8");
const sent = Object.entries(operations)
  .filter(([name]) => name.endsWith("Document"))
  .map(([, document]) => String(document as object));

describe("the trusted-documents manifest", () => {
  it("holds exactly the texts the dashboard sends, each under its SHA-256", () => {
    const manifest = trustedDocuments(source);
    expect(sent.length).toBe(13);
    expect(Object.values(manifest).sort()).toEqual([...sent].sort());
    for (const [hash, text] of Object.entries(manifest)) {
      expect(hash).toBe(createHash("sha256").update(text, "utf8").digest("hex"));
    }
  });

  it("refuses a text it could not read as JavaScript does", () => {
    expect(() => trustedDocuments("export const XDocument = new TypedDocumentString(`query X { a(b: \"\\\\d\") }`")).toThrow(
      "XDocument holds",
    );
    expect(() => trustedDocuments("nothing here")).toThrow("no operation found");
  });
});
