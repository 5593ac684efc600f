// Browsers must not outlive the fleet. Chromium exits when its pipe to us closes, but Firefox, driven over a
// socket, would go on working unseen if this process died without closing it (kill -9, the OOM killer). A
// watchdog shell, told each browser's process group as it comes and goes, reads until this process is gone (its
// stdin then ends, however we died) and kills the groups still listed.
import { spawn, type ChildProcess } from 'node:child_process';

const WATCHDOG_SCRIPT = `
pids=' '
while read -r change; do
  pid=\${change#?}
  case $change in
    +*) pids="$pids$pid " ;;
    -*) case $pids in *" $pid "*) pids="\${pids%% $pid *} \${pids#* $pid }" ;; esac ;;
  esac
done
for pid in $pids; do kill -s KILL -- "-$pid" 2>/dev/null; done
`;

let watchdog: ChildProcess | undefined;

function tell(change: string): void {
  if (!watchdog) {
    // Its own process group, so a signal for ours (a terminal's SIGHUP) leaves it to do its work.
    watchdog = spawn('sh', ['-c', WATCHDOG_SCRIPT], { stdio: ['pipe', 'ignore', 'ignore'], detached: true });
    watchdog.on('error', () => undefined); // no sh: browsers are closed as before, only not after a crash
    watchdog.stdin!.on('error', () => undefined);
    watchdog.unref();
    (watchdog.stdin as unknown as { unref(): void }).unref();
  }
  watchdog.stdin!.write(`${change}\n`);
}

/**
 * Has the process group led by `pid` (a browser launched detached, as Puppeteer does) killed should this process
 * die first; the returned function takes that back, once the browser is closed.
 */
export function killWithThisProcess(pid: number): () => void {
  tell(`+${pid}`);
  let released = false;
  return () => {
    if (released) return;
    released = true;
    tell(`-${pid}`);
  };
}
