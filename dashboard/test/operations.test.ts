import { type ASTNode, Kind, parse, visit } from "graphql";
import { describe, expect, it } from "vitest";
import { CreateGoalDocument, DeleteGoalDocument, UpdateGoalDocument } from "../src/gql/operations";

// The fields goalgate refuses (FORBIDDEN) to a token without analytics:read,
// wherever they are asked for, mutation payloads included.
const ANALYTICS_FIELDS = new Set(["stats", "goals", "totalCount", "viewer", "previewGoal", "conversions"]);

function fieldsOf(document: { toString(): string }): string[] {
  const names: string[] = [];
  visit(parse(document.toString()) as ASTNode, {
    [Kind.FIELD](field) {
      names.push(field.name.value);
    },
  });
  return names;
}

describe("the editor's mutations", () => {
  it("ask for no analytics field, so that a write-only token gets whole answers", () => {
    for (const document of [CreateGoalDocument, UpdateGoalDocument, DeleteGoalDocument]) {
      const fields = fieldsOf(document);
      expect(fields.length).toBeGreaterThan(0);
      expect(fields.filter((name) => ANALYTICS_FIELDS.has(name))).toEqual([]);
    }
  });
});
