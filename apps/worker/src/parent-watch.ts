/**
 * Watches the process that forked this one. A forked child has an IPC
 * channel to its parent; when the parent dies (even by SIGKILL) the channel
 * closes and 'disconnect' fires. The parent pid is checked as well, once a
 * second, in case the channel outlives it (a reparented child's ppid
 * changes). Returns a signal that aborts when the parent is gone, after
 * which `onGone` runs once.
 */
export function watchParent(onGone: () => void, parentName = 'worker process'): AbortSignal {
  const gone = new AbortController();
  const parent = process.ppid;
  const lose = (why: string) => {
    if (gone.signal.aborted) return;
    process.stderr.write(`process ${process.pid}: ${why}; stopping\n`);
    gone.abort(new Error(why));
    onGone();
  };
  if (process.connected) process.once('disconnect', () => lose(`${parentName} ${parent} is gone`));
  const timer = setInterval(() => {
    if (process.ppid !== parent) lose(`${parentName} ${parent} is gone (reparented)`);
  }, 1000);
  timer.unref(); // never the reason this process stays alive
  return gone.signal;
}
