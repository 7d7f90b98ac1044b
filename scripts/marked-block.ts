// The generated parts of the READMEs (diagram, props tables, cost) sit between a pair of HTML comment
// markers, `<!-- NAME:start -->` and `<!-- NAME:end -->`; the generators replace what is between them
// and the staleness tests compare it. One implementation for all of them.

/** The start and end markers of the block called `name`. */
export function markers(name: string): { readonly start: string; readonly end: string } {
  return { start: `<!-- ${name}:start -->`, end: `<!-- ${name}:end -->` };
}

/** The block `name` in `text`, markers included, or `undefined` when the markers are not both there in order. */
export function markedBlockOf(text: string, name: string): string | undefined {
  const { start, end } = markers(name);
  const from = text.indexOf(start);
  const to = text.indexOf(end);
  return from >= 0 && to > from ? text.slice(from, to + end.length) : undefined;
}

/** Whether either marker of `name` occurs in `text` (a half-present pair is a mistake, not an absence). */
export function hasAnyMarker(text: string, name: string): boolean {
  const { start, end } = markers(name);
  return text.includes(start) || text.includes(end);
}

/**
 * `text` with the block `name` replaced by `block` (which carries its own markers). The markers must be
 * there: they say where the generated part goes. `file` names the text in the error.
 */
export function withMarkedBlock(text: string, name: string, block: string, file: string): string {
  const current = markedBlockOf(text, name);
  if (current === undefined) {
    const { start, end } = markers(name);
    throw new Error(`${file}: the ${start} / ${end} markers are missing (put them where the block goes)`);
  }
  const from = text.indexOf(current);
  return text.slice(0, from) + block + text.slice(from + current.length);
}
