import { render } from "preact";
import { afterEach, describe, expect, it } from "vitest";
import { Change } from "../src/components/Change";

const root = document.createElement("div");

afterEach(() => render(null, root));

function shown(element: preact.JSX.Element) {
  render(element, root);
  const span = root.querySelector<HTMLElement>(".change")!;
  return { tone: span.className, direction: span.dataset.direction, figure: span.querySelector(".change-figure")?.textContent };
}

describe("a change against the previous period", () => {
  it("is green going up and red going down", () => {
    expect(shown(<Change value={0.1} label="Visitors" />)).toEqual({ tone: "change change-up", direction: "up", figure: "+10.0%" });
    expect(shown(<Change value={-0.1} label="Visitors" />)).toEqual({ tone: "change change-down", direction: "down", figure: "-10.0%" });
  });

  it("swaps the colours, not the arrow, for a number better lower", () => {
    expect(shown(<Change value={0.1} label="Bounce rate" lowerIsBetter />)).toEqual({ tone: "change change-down", direction: "up", figure: "+10.0%" });
    expect(shown(<Change value={-0.1} label="Bounce rate" lowerIsBetter />)).toEqual({ tone: "change change-up", direction: "down", figure: "-10.0%" });
    expect(shown(<Change value={null} lowerIsBetter />)).toEqual({ tone: "change change-none", direction: "none", figure: "—" });
  });
});
