// What a daemon process sets before the rest of it loads, bundled (daemon-entry.ts) or not
// (main.ts): how V8 tiers its code (api/daemon-v8.ts) and the cap on glibc's malloc arenas, while
// only the main thread's and one other exist (os/memory.ts). Other verbs load neither (koffi).
export async function prepareIfDaemon(argv: readonly string[] = process.argv): Promise<void> {
  if (argv.slice(2).find((a) => !a.startsWith('-')) !== 'daemon') return;
  (await import('../api/daemon-v8.js')).tuneDaemonV8();
  (await import('../os/memory.js')).capArenas(2);
}
