/**
 * Where the broker's time goes: reads the V8 CPU profiles that `node --cpu-prof` writes (one
 * .cpuprofile per thread: CPU.<date>.<time>.<pid>.<thread id>.<seq>.cpuprofile) and adds up self
 * time per function.
 *
 * A profile is a call tree (`nodes`, each with a `callFrame` and `children`) and a sample list
 * (`samples`: the node on top of the stack; `timeDeltas`: microseconds since the previous
 * sample). A node's self time is the sum of the deltas of its samples; a function's self time
 * adds up every node with the same name, script and line. "(idle)" is time the thread waited
 * for work, "(program)" native code outside JavaScript (system calls, libuv), "(garbage
 * collector)" GC pauses.
 *
 * Script URLs are shortened to the part after the project's dist/ (or to node:…), so that the
 * output names files of the project, not of the machine it ran on. Any thread.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
}

interface CpuProfile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
  startTime: number;
  endTime: number;
}

export interface SelfTime {
  function: string;
  location: string;
  selfMs: number;
  /** Share of the thread's profiled time. */
  fraction: number;
}

export interface ThreadProfile {
  /** The file's name in the profile directory. */
  file: string;
  /** 'main' or 'worker <thread id>'. */
  thread: string;
  totalMs: number;
  /** Time not idle: what the thread spent on the CPU or in native code. */
  busyMs: number;
  top: SelfTime[];
}

function shortLocation(url: string, line: number): string {
  if (!url) return '';
  const dist = url.lastIndexOf('/dist/');
  const path = dist >= 0 ? url.slice(dist + 6) : url.startsWith('node:') ? url : url.replace(/^.*\/node_modules\//, '');
  return `${path}:${line + 1}`;
}

export function summarizeProfile(path: string, top = 12): Omit<ThreadProfile, 'file' | 'thread'> {
  const p = JSON.parse(readFileSync(path, 'utf8')) as CpuProfile;
  const byId = new Map<number, ProfileNode>();
  for (const n of p.nodes) byId.set(n.id, n);
  const self = new Map<string, { fn: string; loc: string; us: number }>();
  let totalUs = 0;
  let idleUs = 0;
  for (let i = 0; i < p.samples.length; i++) {
    const node = byId.get(p.samples[i]!);
    // The delta before sample i is time since the previous sample; attribute it to sample i.
    const us = p.timeDeltas[i] ?? 0;
    if (!node || us <= 0) continue;
    totalUs += us;
    const fn = node.callFrame.functionName || '(anonymous)';
    if (fn === '(idle)') idleUs += us;
    const loc = shortLocation(node.callFrame.url, node.callFrame.lineNumber);
    const key = `${fn}\u0000${loc}`;
    const e = self.get(key);
    if (e) e.us += us;
    else self.set(key, { fn, loc, us });
  }
  const sorted = [...self.values()].sort((a, b) => b.us - a.us).slice(0, top);
  return {
    totalMs: totalUs / 1000,
    busyMs: (totalUs - idleUs) / 1000,
    top: sorted.map((e) => ({ function: e.fn, location: e.loc, selfMs: e.us / 1000, fraction: totalUs ? e.us / totalUs : 0 })),
  };
}

/** Every profile in `dir` (one per thread of one broker run), the main thread first. */
export function summarizeProfiles(dir: string, top = 12): ThreadProfile[] {
  let files: string[];
  try {
    files = readdirSync(dir).filter((f) => f.endsWith('.cpuprofile'));
  } catch {
    return [];
  }
  const out = files.map((file) => {
    // CPU.20261125.150102.1234.0.001.cpuprofile: the field before the sequence is the thread id.
    const parts = file.split('.');
    const tid = Number(parts[parts.length - 3]);
    return { file, thread: tid === 0 ? 'main' : `worker ${tid}`, ...summarizeProfile(join(dir, file), top) };
  });
  return out.sort((a, b) => (a.thread === 'main' ? -1 : b.thread === 'main' ? 1 : a.thread.localeCompare(b.thread)));
}
