import { describe, expect, it } from "vitest";
import {
  DIMENSIONS,
  applyValue,
  describeFilter,
  filterVariable,
  filtersFromParams,
  filtersToParams,
  parseDimension,
  removeFilter,
} from "../src/lib/filters";
import { formatRoute, parseRoute } from "../src/lib/route";

describe("breakdown dimensions", () => {
  it("lists every dimension of the schema once", () => {
    expect(DIMENSIONS.map((d) => d.dimension).sort()).toEqual(
      ["BROWSER", "COUNTRY", "DEVICE", "ENTRY_PAGE", "OS", "PAGE", "REFERRER_DOMAIN", "SOURCE", "UTM_CAMPAIGN", "UTM_CONTENT", "UTM_MEDIUM", "UTM_SOURCE", "UTM_TERM"],
    );
    expect(DIMENSIONS.find((d) => d.dimension === "UTM_CAMPAIGN")?.label).toBe("Campaign");
  });

  it("reads a dimension in any case, and nothing else", () => {
    expect(parseDimension("country")).toBe("COUNTRY");
    expect(parseDimension("utm_campaign")).toBe("UTM_CAMPAIGN");
    expect(parseDimension("planet")).toBeNull();
    expect(parseDimension(null)).toBeNull();
  });
});

describe("the filter", () => {
  const google = { dimension: "SOURCE" as const, operator: "IS" as const, values: ["Google"] };

  it("says what it keeps", () => {
    expect(describeFilter(google)).toBe("Source is Google");
    expect(describeFilter({ dimension: "COUNTRY", operator: "IS", values: ["DE", "FR"] })).toBe("Country is Germany or France");
    expect(describeFilter({ dimension: "DEVICE", operator: "IS_NOT", values: ["Mobile", "Tablet"] })).toBe("Device is not Mobile nor Tablet");
    expect(describeFilter({ dimension: "PAGE", operator: "CONTAINS", values: ["/blog"] })).toBe("Page contains /blog");
    expect(describeFilter({ dimension: "COUNTRY", operator: "IS", values: ["(unknown)"] })).toBe("Country is (unknown)");
  });

  it("adds a clicked value as IS, replacing a clause on the same dimension", () => {
    const one = applyValue([], "SOURCE", "Google");
    expect(one).toEqual([google]);
    const two = applyValue(one, "COUNTRY", "DE");
    expect(two).toEqual([google, { dimension: "COUNTRY", operator: "IS", values: ["DE"] }]);
    expect(applyValue(two, "SOURCE", "Bing")).toEqual([
      { dimension: "COUNTRY", operator: "IS", values: ["DE"] },
      { dimension: "SOURCE", operator: "IS", values: ["Bing"] },
    ]);
    expect(removeFilter(two, 0)).toEqual([{ dimension: "COUNTRY", operator: "IS", values: ["DE"] }]);
  });

  it("is null for goalgate when empty, the clauses otherwise", () => {
    expect(filterVariable([])).toBeNull();
    expect(filterVariable([google])).toEqual([google]);
  });

  it("round-trips through the address, values with colons and spaces included", () => {
    const filters = [
      { dimension: "PAGE" as const, operator: "CONTAINS" as const, values: ["/a:b c"] },
      { dimension: "COUNTRY" as const, operator: "IS" as const, values: ["DE", "FR"] },
    ];
    const params = new URLSearchParams();
    for (const value of filtersToParams(filters)) params.append("filter", value);
    expect(params.getAll("filter")).toEqual(["page:contains:/a:b c", "country:is:DE", "country:is:FR"]);
    expect(filtersFromParams(new URLSearchParams(params.toString()))).toEqual(filters);
  });

  it("ignores malformed clauses in an address", () => {
    const params = new URLSearchParams("filter=planet:is:Mars&filter=source:likes:Google&filter=source:is:&filter=nonsense&filter=source:is_not:Bing");
    expect(filtersFromParams(params)).toEqual([{ dimension: "SOURCE", operator: "IS_NOT", values: ["Bing"] }]);
  });
});

describe("a goal's address", () => {
  it("carries its period, dimension and filter; the overview keeps the filter, the editor drops both", () => {
    const route = parseRoute("#/goals/g1?site=sk_demo&period=7d&by=country&filter=source:is:Google&filter=device:is_not:Mobile");
    expect(route.by).toBe("COUNTRY");
    expect(route.filters).toEqual([
      { dimension: "SOURCE", operator: "IS", values: ["Google"] },
      { dimension: "DEVICE", operator: "IS_NOT", values: ["Mobile"] },
    ]);
    expect(route.period).toEqual({ kind: "LAST_7_DAYS" });
    expect(parseRoute(formatRoute(route))).toEqual(route);
    expect(formatRoute(route)).toBe("#/goals/g1?site=sk_demo&period=7d&by=country&filter=source%3Ais%3AGoogle&filter=device%3Ais_not%3AMobile");
    expect(formatRoute({ ...route, view: { name: "goals" } })).toBe(
      "#/goals?site=sk_demo&period=7d&filter=source%3Ais%3AGoogle&filter=device%3Ais_not%3AMobile",
    );
    expect(formatRoute({ ...route, view: { name: "funnel" } })).toBe(
      "#/funnel?site=sk_demo&period=7d&filter=source%3Ais%3AGoogle&filter=device%3Ais_not%3AMobile",
    );
    expect(formatRoute({ ...route, view: { name: "new" } })).toBe("#/new?site=sk_demo&period=7d");
  });

  it("has no dimension and no filter when it names none", () => {
    const route = parseRoute("#/goals/g1?site=sk_demo&by=planet");
    expect(route.by).toBeNull();
    expect(route.filters).toEqual([]);
  });
});
