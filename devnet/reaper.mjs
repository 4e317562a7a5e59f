// The reaper: a tiny watchdog process that outlives its parent by design. The parent writes
// "+PID" / "-PID" lines on our stdin as it starts and stops children; when stdin closes (the parent
// exited, crashed, or was killed with SIGKILL, which no handler can catch), every child still listed
// is sent SIGTERM, then SIGKILL. This is how the devnet leaves no orphans whatever ends the parent.
// Plain JavaScript on purpose: it must start in milliseconds, without a TypeScript loader.
import { createInterface } from 'node:readline';

const pids = new Set();
const lines = createInterface({ input: process.stdin });
lines.on('line', (line) => {
  const pid = Number(line.slice(1));
  if (!Number.isInteger(pid) || pid <= 0) return;
  if (line.startsWith('+')) pids.add(pid);
  else if (line.startsWith('-')) pids.delete(pid);
});
lines.on('close', () => {
  const signal = (sig) => {
    for (const pid of pids) {
      try {
        process.kill(pid, sig);
      } catch {
        pids.delete(pid); // already gone
      }
    }
  };
  signal('SIGTERM');
  if (pids.size === 0) process.exit(0);
  setTimeout(() => {
    signal('SIGKILL');
    process.exit(0);
  }, 3000);
});
