/**
 * Version ranges as Kafka's message definitions write them: "3+", "0-7", "5", or "none".
 *
 * Parsed once when a declaration is compiled; the hot path never sees a range, only the
 * flat step lists compiled for one (api, version).
 */

export interface VersionRange {
  readonly lowest: number;
  /** Inclusive; Infinity for an open range such as "3+". */
  readonly highest: number;
}

export const NO_VERSIONS: VersionRange = Object.freeze({ lowest: 1, highest: 0 });

const cache = new Map<string, VersionRange>();

export function parseVersions(text: string): VersionRange {
  const known = cache.get(text);
  if (known) return known;
  let range: VersionRange;
  const t = text.trim();
  if (t === 'none' || t === '') range = NO_VERSIONS;
  else if (/^\d+\+$/.test(t)) range = { lowest: Number(t.slice(0, -1)), highest: Infinity };
  else if (/^\d+-\d+$/.test(t)) {
    const [a, b] = t.split('-').map(Number) as [number, number];
    if (b < a) throw new Error(`version range "${text}" runs backwards`);
    range = { lowest: a, highest: b };
  } else if (/^\d+$/.test(t)) range = { lowest: Number(t), highest: Number(t) };
  else throw new Error(`"${text}" is not a version range`);
  cache.set(text, Object.freeze(range));
  return range;
}

export function inVersions(text: string | undefined, version: number): boolean {
  if (text === undefined) return false;
  const r = parseVersions(text);
  return version >= r.lowest && version <= r.highest;
}
