/**
 * What every dashboard page gives the router: its root element (attached before `load` runs, so
 * charts can be mounted), a loader, and what to do when the database gains runs.
 */
export interface Page {
  title: string;
  root: HTMLElement;
  /** Fetch and render; the router mounts the charts once it resolves. */
  load(): Promise<void>;
  /** Called by the poller when the database's runs changed; `added` is how many more there are. */
  onNewRuns?(added: number): Promise<void>;
}
