/**
 * Okabe & Ito's colour-blind-safe palette (2008), ordered so the first colours are the most
 * distinct on white; yellow (weak contrast on white) and black come last.
 */
const OKABE_ITO = ['#0072B2', '#E69F00', '#009E73', '#CC79A7', '#56B4E9', '#D55E00', '#000000', '#F0E442'];

/** Colour of the n-th item (workers sorted by name keep their colour across every panel). */
export function colour(index: number): string {
  return OKABE_ITO[index % OKABE_ITO.length] ?? '#000000';
}

/** Past eight items colours repeat; a dash pattern keeps the next eight apart. */
export function dashFor(index: number): number[] | undefined {
  return index >= OKABE_ITO.length ? [6, 3] : undefined;
}
