// `node --import ./register.mjs …`: installs the hooks that map `electron` to the fake.
import { register } from 'node:module';

register('./hooks.mjs', import.meta.url);
