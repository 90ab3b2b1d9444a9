// Service management beyond restart-on-exit: health checks, maxMemory (on the sampler's
// tick) and watch. Started after the monitor module, whose sampler it listens to.
import { PolicyRestarter } from '../../core/health/restart.js';
import { HealthService } from '../../core/health/service.js';
import { checkMemory } from '../../core/health/memory.js';
import { WatchService } from '../../core/watch/service.js';
import type { Module, Service } from '../modules.js';
import type { ApiContext } from '../routes.js';

// The daemon's log is its stdout (a file in the background), one stamped line per event.
const log = (line: string) => void process.stdout.write(`${new Date().toISOString()} ${line}\n`);

function startServices(ctx: ApiContext): Service {
  const restarter = new PolicyRestarter(ctx.sup, ctx.db, log);
  const health = new HealthService(ctx.sup, restarter, log);
  const watch = new WatchService(ctx.sup, log);
  const sampler = ctx.services.monitor;
  if (sampler && sampler.intervalMs > 0) {
    sampler.onSamples((samples) => {
      try {
        checkMemory(samples, ctx.sup.jobs, restarter);
      } catch (err) {
        log(`maxMemory: ${(err as Error).message}`);
      }
    });
  } else if ([...ctx.sup.jobs.values()].some((j) => j.spec.maxMemory != null)) {
    log('maxMemory is not checked: sampling is off (APPINIT_SAMPLE_MS=0)');
  }
  return {
    stop() {
      watch.stop();
      health.stop();
      restarter.stop();
    },
  };
}

/** Health checks, maxMemory and watch, run with the daemon. */
export const svcModule: Module = { name: 'svc', start: startServices };
