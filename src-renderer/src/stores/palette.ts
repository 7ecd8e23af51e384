// The command palette (Ctrl+K): whether it is open, and every command it offers — views,
// dialogs, and actions on each container and image — built from the other stores. What
// the engine cannot do (pause, rootless on cgroup v1) is not offered: the ⋯ menu says why.
import { defineStore } from 'pinia';
import { computed, ref } from 'vue';
import { availableActions, useContainersStore } from './containers';
import { useDialogsStore } from './dialogs';
import { useImagesStore } from './images';
import { useNavigationStore } from './navigation';
import { useSystemStore } from './system';
import { shortId } from '../lib/units';

export interface Command {
  id: string;
  title: string;
  /** What kind of thing it acts on, shown on the right. */
  group: string;
  run: () => void;
}

export const usePaletteStore = defineStore('palette', () => {
  const open = ref(false);
  const query = ref('');
  const navigation = useNavigationStore();
  const dialogs = useDialogsStore();
  const containers = useContainersStore();
  const images = useImagesStore();
  const system = useSystemStore();

  const commands = computed<Command[]>(() => {
    const list: Command[] = [
      ...navigation.views.map((view) => ({ id: `go:${view.id}`, title: `Go to ${view.label}`, group: 'View', run: () => navigation.show(view.id) })),
      { id: 'run', title: 'Run a container…', group: 'Containers', run: () => dialogs.show('run') },
      { id: 'import', title: 'Import an image…', group: 'Images', run: () => dialogs.show('import') },
      { id: 'pull', title: 'Pull an image from a registry…', group: 'Images', run: () => { navigation.show('images'); dialogs.show('pull'); } },
      { id: 'build', title: 'Build an image from a Containerfile…', group: 'Images', run: () => dialogs.show('build') },
      { id: 'prune', title: 'Prune unused images and layers…', group: 'Images', run: () => dialogs.show('prune') },
    ];
    for (const container of containers.list) {
      list.push({ id: `open:${container.id}`, title: `Open ${container.name}`, group: 'Container', run: () => navigation.show('containers', container.id) });
      for (const action of availableActions(container)) {
        if (action === 'pause' && system.cannot('pause')) continue;
        const verb = action === 'unpause' ? 'Resume' : action[0]!.toUpperCase() + action.slice(1);
        list.push({ id: `${action}:${container.id}`, title: `${verb} ${container.name}`, group: 'Container', run: () => void containers.act(action, [container.id]) });
      }
    }
    for (const image of images.list) {
      const name = image.tags[0] ?? shortId(image.id);
      list.push({ id: `image:${image.id}`, title: `Open image ${name}`, group: 'Image', run: () => navigation.show('images', image.id) });
      list.push({ id: `run:${image.id}`, title: `Run ${name}…`, group: 'Image', run: () => dialogs.show('run', image.tags[0] ?? image.id) });
    }
    return list;
  });

  /** The commands whose title has every word of the query, best (earliest match) first. */
  const matches = computed(() => {
    const words = query.value.toLowerCase().split(/\s+/).filter(Boolean);
    if (words.length === 0) return commands.value.slice(0, 50);
    return commands.value
      .filter((command) => words.every((word) => command.title.toLowerCase().includes(word)))
      .sort((a, b) => a.title.toLowerCase().indexOf(words[0]!) - b.title.toLowerCase().indexOf(words[0]!))
      .slice(0, 50);
  });

  function show(): void {
    query.value = '';
    open.value = true;
  }

  function hide(): void {
    open.value = false;
  }

  function execute(command: Command): void {
    hide();
    command.run();
  }

  return { open, query, commands, matches, show, hide, execute };
});
