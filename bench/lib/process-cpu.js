// @ts-check
// CPU seconds of a process and all its descendants (a worker and its trial processes), read from
// /proc: Linux only; elsewhere null. bench:sweep reads it before and after a sweep: a worker that
// trains one trial at a time but keeps more than one core busy (V8's GC threads, background
// writes) leaves less room for a second worker on the same cores.
const { readdirSync, readFileSync } = require('node:fs');

/** utime + stime of every live process under `root` (itself included), in seconds; null without /proc. */
function treeCpuSeconds(root) {
  let entries;
  try {
    entries = readdirSync('/proc');
  } catch {
    return null;
  }
  const tick = 100; // USER_HZ: 100 on every Linux ABI node runs on
  const byPid = new Map();
  for (const d of entries) {
    if (!/^\d+$/.test(d)) continue;
    try {
      const stat = readFileSync(`/proc/${d}/stat`, 'utf8');
      // pid (comm) state ppid ... utime(14) stime(15): comm may hold spaces, so split after the last ')'.
      const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      // utime, stime, then cutime, cstime: children already waited for (a recycled trial process).
      const cpu = Number(f[11]) + Number(f[12]) + Number(f[13]) + Number(f[14]);
      byPid.set(Number(d), { ppid: Number(f[1]), cpu: cpu / tick });
    } catch {
      // gone meanwhile
    }
  }
  let sum = 0;
  const walk = (pid) => {
    const p = byPid.get(pid);
    if (!p) return;
    sum += p.cpu;
    for (const [child, q] of byPid) if (q.ppid === pid) walk(child);
  };
  walk(root);
  return sum;
}

module.exports = { treeCpuSeconds };
