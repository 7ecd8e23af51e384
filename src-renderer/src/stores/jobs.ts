// Long work (import, pull, build, save, commit, prune): every job this engine runs, its
// progress, and cancel. Other stores start jobs through run().
import { defineStore } from 'pinia';
import { computed, ref } from 'vue';
import { api } from '../api/bridge';
import type { JobOptions } from '@shared/api/client';
import type { JobMethodName, JobResult, MethodInput } from '@shared/api/contract';
import type { JobInfo } from '@shared/api/types/jobs';

export const useJobsStore = defineStore('jobs', () => {
  const jobs = ref<JobInfo[]>([]);
  let started = false;

  const active = computed(() => jobs.value.filter((job) => job.state === 'running'));

  /**
   * Adds or updates a job's record. An end is final: a record that says running and comes
   * after it was written before it (a job record read again, or the answer that started a
   * job, which a quick failure's jobs.done can overtake) changes nothing.
   */
  function put(job: JobInfo): void {
    const at = jobs.value.findIndex((j) => j.id === job.id);
    if (at < 0) jobs.value = [job, ...jobs.value];
    else if (jobs.value[at]!.state !== 'running' && job.state === 'running') return;
    else jobs.value = jobs.value.map((j, i) => (i === at ? { ...j, ...job } : j));
  }

  /** Lists the engine's jobs and follows their progress; call once. */
  function start(): void {
    if (started) return;
    started = true;
    api.on('jobs.progress', ({ id, kind, progress }) => {
      const known = jobs.value.find((job) => job.id === id);
      if (known && known.state !== 'running') return; // a late report of a job that has ended
      put(known ? { ...known, progress } : { id, kind, progress, state: 'running', startedAt: new Date().toISOString() });
      // A job started elsewhere (the CLI, another window): its record says what it is about and when it started.
      if (!known) void api.call('jobs.get', { id }).then(put, () => {});
    });
    api.on('jobs.done', put);
    void api
      .call('jobs.list')
      .then((list) => list.forEach(put))
      .catch(() => {});
  }

  /** Runs a job method to its end, showing it here meanwhile. */
  function run<M extends JobMethodName>(method: M, input: MethodInput<M>, options: JobOptions = {}): Promise<JobResult<M>> {
    return api.runJob(method, input, {
      ...options,
      onStarted: (job) => {
        put(job);
        options.onStarted?.(job);
      },
    });
  }

  async function cancel(id: string): Promise<void> {
    put(await api.call('jobs.cancel', { id }));
  }

  function clearFinished(): void {
    jobs.value = jobs.value.filter((job) => job.state === 'running');
  }

  return { jobs, active, start, run, cancel, clearFinished };
});
