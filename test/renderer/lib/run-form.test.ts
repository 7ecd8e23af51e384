// The run dialog's checks (src-renderer/src/lib/run-form.ts): the command split as a shell
// would, and each field → ContainerOptions or a message under that field, before anything
// is sent to the engine.
import { describe, expect, it } from 'vitest';
import { checkRunForm, EMPTY_FORM, nameTakenMessage, type RunForm, SECURITY_FIELDS, splitCommand, stillWrong } from '../../../src-renderer/src/lib/run-form';

const HOST = { cpus: 4, memoryBytes: 8 * 1024 ** 3 };
const check = (fields: Partial<RunForm>) => checkRunForm({ ...EMPTY_FORM, image: 'busybox', ...fields }, HOST);

describe('splitCommand', () => {
  it('splits on runs of white space', () => {
    expect(splitCommand('ls  -l\t/tmp\n')).toEqual(['ls', '-l', '/tmp']);
    expect(splitCommand('')).toEqual([]);
    expect(splitCommand('   ')).toEqual([]);
  });

  it('groups quoted words and keeps empty quotes as an empty word', () => {
    expect(splitCommand('sh -c "echo hi there"')).toEqual(['sh', '-c', 'echo hi there']);
    expect(splitCommand("echo 'a  b' c")).toEqual(['echo', 'a  b', 'c']);
    expect(splitCommand('printf ""')).toEqual(['printf', '']);
    expect(splitCommand('a"b c"d')).toEqual(['ab cd']);
    expect(splitCommand(`echo "it's"`)).toEqual(['echo', "it's"]);
  });

  it('escapes with a backslash outside quotes and in double quotes, not in single ones', () => {
    expect(splitCommand('a\\ b')).toEqual(['a b']);
    expect(splitCommand('echo "say \\"hi\\""')).toEqual(['echo', 'say "hi"']);
    expect(splitCommand("echo 'a\\nb'")).toEqual(['echo', 'a\\nb']);
    expect(splitCommand('trailing\\')).toEqual(['trailing\\']);
  });

  it('has no answer for an unclosed quote', () => {
    expect(splitCommand('echo "hi')).toBeUndefined();
    expect(splitCommand("echo 'hi")).toBeUndefined();
    expect(splitCommand('echo "a\\"')).toBeUndefined(); // the quote is escaped, so still open
  });
});

describe('stillWrong', () => {
  it('keeps the shown problems that still hold, as they read now, and drops the fixed ones', () => {
    const shown = { name: 'taken', memory: 'A size such as 64m, 512m or 1g.', cpus: 'too many' };
    const now = { memory: 'At least 6m.', cpus: 'too many' };
    expect(stillWrong(shown, now)).toEqual({ memory: 'At least 6m.', cpus: 'too many' });
    expect(stillWrong(shown, {})).toEqual({});
  });

  it('shows nothing new while the person types: a field right at the last attempt waits for the next', () => {
    expect(stillWrong({ name: 'taken' }, { name: 'taken', env: '"X" is not KEY=VALUE.' })).toEqual({ name: 'taken' });
    expect(stillWrong({}, { env: 'bad' })).toEqual({});
    expect(stillWrong({ memory: undefined, cpus: 'too many' }, { memory: 'At least 6m.', cpus: 'too many' })).toEqual({ cpus: 'too many' }); // a field listed as right
  });

  it('clears a field as soon as the form says it is right', () => {
    const form = { ...EMPTY_FORM, image: 'a:1', memory: 'lots' };
    const shown = checkRunForm(form, HOST).errors;
    expect(shown).toEqual({ memory: 'A size such as 64m, 512m or 1g.' });
    expect(stillWrong(shown, checkRunForm({ ...form, memory: '1' }, HOST).errors)).toEqual({ memory: 'At least 6m.' });
    expect(stillWrong(shown, checkRunForm({ ...form, memory: '64m' }, HOST).errors)).toEqual({});
  });
});

describe('checkRunForm', () => {
  it('sends nothing but the image for an empty form', () => {
    expect(check({})).toEqual({ options: {}, errors: {} });
  });

  it('asks for an image', () => {
    expect(checkRunForm(EMPTY_FORM, HOST).errors).toEqual({ image: 'Choose an image to run.' });
  });

  it('takes names of two or more letters, digits, _ . -, starting with a letter or digit', () => {
    expect(check({ name: 'web-1.a_b' }).options.name).toBe('web-1.a_b');
    expect(check({ name: '0x' }).options.name).toBe('0x');
    for (const name of ['a', '-web', '.web', 'we b', 'wéb', 'a/b']) {
      const result = check({ name });
      expect(result.errors.name, name).toBe('Two or more letters, digits, _ . or -, starting with a letter or digit.');
      expect(result.options.name).toBeUndefined();
    }
  });

  it('says at the Name field that a name is taken, before anything is sent', () => {
    const taken = (name: string) => name === 'web';
    const result = checkRunForm({ ...EMPTY_FORM, image: 'a:1', name: 'web' }, HOST, taken);
    expect(result.errors).toEqual({ name: nameTakenMessage() });
    expect(nameTakenMessage()).toBe('Another container has this name.'); // one line in the field's place
    expect(result.options.name).toBeUndefined();
    expect(checkRunForm({ ...EMPTY_FORM, image: 'a:1', name: 'web2' }, HOST, taken)).toEqual({ options: { name: 'web2' }, errors: {} });
    expect(checkRunForm({ ...EMPTY_FORM, image: 'a:1' }, HOST, taken).errors).toEqual({}); // no name: one is made up
  });

  it('splits the command, and says so when a quote is left open', () => {
    expect(check({ command: '  sh -c "sleep 1"  ' }).options.command).toEqual(['sh', '-c', 'sleep 1']);
    expect(check({ command: 'sh -c "sleep 1' }).errors.command).toBe('A quote is not closed.');
    expect(check({ command: '   ' }).options.command).toBeUndefined();
  });

  it('takes KEY=VALUE lines, empty values included, and names the first bad one', () => {
    expect(check({ env: 'A=1\n\n  B=\nC=x=y\n' }).options.env).toEqual(['A=1', 'B=', 'C=x=y']);
    expect(check({ env: 'A=1\n=x\nB' }).errors.env).toBe('"=x" is not KEY=VALUE.');
    expect(check({ env: 'NOEQUALS' }).errors.env).toBe('"NOEQUALS" is not KEY=VALUE.');
  });

  it('takes absolute bind mounts, read-only with :ro', () => {
    expect(check({ mounts: '/srv/data:/data\n/etc/app:/etc/app:ro\n/a:/b:rw' }).options.volumes).toEqual([
      { source: '/srv/data', destination: '/data', readonly: false },
      { source: '/etc/app', destination: '/etc/app', readonly: true },
      { source: '/a', destination: '/b', readonly: false },
    ]);
    for (const line of ['data:/data', '/data:data', '/data', '/a:/b:rx', '/a:/b:ro:z']) {
      expect(check({ mounts: line }).errors.mounts, line).toBe(`"${line}": expected /host/path:/container/path[:ro]`);
    }
  });

  it('publishes ports separated by lines, spaces or commas, on the bridge, slirp4netns or pasta only', () => {
    expect(check({ ports: '8080:80, 53/udp\n127.0.0.1::443' }).options.publish).toEqual([
      { hostIp: '127.0.0.1', hostPort: 8080, containerPort: 80, protocol: 'tcp' },
      { hostIp: '127.0.0.1', hostPort: 0, containerPort: 53, protocol: 'udp' },
      { hostIp: '127.0.0.1', hostPort: 0, containerPort: 443, protocol: 'tcp' },
    ]);
    expect(check({ ports: '80 70000' }).errors.ports).toBe('"70000": expected [IP:][HOST_PORT:]CONTAINER_PORT[/udp], e.g. 8080:80');
    const onHost = check({ ports: '80', network: 'host' });
    expect(onHost.errors.ports).toBe('Publishing ports needs the bridge, slirp4netns or pasta network (this one is host).');
    expect(onHost.options).toEqual({ network: 'host' });
    expect(check({ ports: '8080:80', network: 'slirp4netns' }).options).toEqual({ network: 'slirp4netns', publish: [{ hostIp: '127.0.0.1', hostPort: 8080, containerPort: 80, protocol: 'tcp' }] });
    expect(check({ ports: '8080:80', network: 'pasta' }).options).toEqual({ network: 'pasta', publish: [{ hostIp: '127.0.0.1', hostPort: 8080, containerPort: 80, protocol: 'tcp' }] });
    expect(check({ network: 'none' }).options).toEqual({ network: 'none' });
  });

  it('limits memory from 6 MiB to what the host has, swap no further', () => {
    expect(check({ memory: '6m' }).options).toEqual({ memory: 6_291_456, memorySwap: 6_291_456 });
    expect(check({ memory: '8g' }).options).toEqual({ memory: 8_589_934_592, memorySwap: 8_589_934_592 });
    expect(check({ memory: '6291455' }).errors.memory).toBe('At least 6m.');
    expect(check({ memory: '0' }).errors.memory).toBe('At least 6m.');
    expect(check({ memory: '8193m' }).errors.memory).toBe('This host has 8 GiB.');
    expect(check({ memory: 'lots' }).errors.memory).toBe('A size such as 64m, 512m or 1g.');
    expect(check({ memory: '-64m' }).errors.memory).toBe('A size such as 64m, 512m or 1g.');
  });

  it('limits CPUs from 0.01 to the host CPUs', () => {
    expect(check({ cpus: '0.5' }).options.cpus).toBe(0.5);
    expect(check({ cpus: '.25' }).options.cpus).toBe(0.25);
    expect(check({ cpus: '4' }).options.cpus).toBe(4);
    expect(check({ cpus: '0.01' }).options.cpus).toBe(0.01);
    for (const cpus of ['0', '0.009', '4.01', '1e0', '-1', 'NaN', 'Infinity', '1.', 'one']) {
      expect(check({ cpus }).errors.cpus, cpus).toBe('A number from 0.01 to 4 (this host\'s CPUs).');
    }
  });

  it('limits processes to a whole number of 1 or more', () => {
    expect(check({ pids: '100' }).options.pidsLimit).toBe(100);
    expect(check({ pids: ' 1 ' }).options.pidsLimit).toBe(1);
    for (const pids of ['0', '1.5', '-1', 'ten']) {
      expect(check({ pids }).errors.pids, pids).toBe('A whole number of processes, 1 or more.');
    }
  });

  it('turns the restart choice into a policy, retries only for on-failure', () => {
    expect(check({ restart: 'no' }).options.restart).toBeUndefined();
    expect(check({ restart: 'always' }).options.restart).toEqual({ name: 'always' });
    expect(check({ restart: 'unless-stopped', maxRetries: '3' }).options.restart).toEqual({ name: 'unless-stopped' });
    expect(check({ restart: 'on-failure' }).options.restart).toEqual({ name: 'on-failure' });
    expect(check({ restart: 'on-failure', maxRetries: '0' }).options.restart).toEqual({ name: 'on-failure', maxRetries: 0 });
    expect(check({ restart: 'on-failure', maxRetries: '5' }).options.restart).toEqual({ name: 'on-failure', maxRetries: 5 });
    expect(check({ restart: 'on-failure', maxRetries: '-1' }).errors.maxRetries).toBe('A whole number, or empty for no limit.');
  });

  it('asks for a terminal with stdin open for -it, and for neither without', () => {
    expect(check({ interactive: true }).options).toMatchObject({ tty: true, interactive: true });
    expect(check({}).options).not.toHaveProperty('tty');
    expect(check({}).options).not.toHaveProperty('interactive');
  });

  it('reports every wrong field at once', () => {
    const { errors } = checkRunForm({ ...EMPTY_FORM, name: 'x', env: 'bad', cpus: '99', pids: '0' }, HOST);
    expect(Object.keys(errors).sort()).toEqual(['cpus', 'env', 'image', 'name', 'pids']);
  });
});

describe('checkRunForm: the Security section', () => {
  it('sends nothing for its defaults (no-new-privileges on, the default seccomp profile)', () => {
    expect(check({}).options).toEqual({});
    expect(EMPTY_FORM.noNewPrivileges).toBe(true);
    expect(EMPTY_FORM.seccomp).toBe('default');
  });

  it('takes capability names in any case, CAP_ optional, separated by spaces or commas, each once', () => {
    const { options, errors } = check({ capAdd: ' net_admin,CAP_SYS_TIME  Net_Admin ', capDrop: 'ALL' });
    expect(errors).toEqual({});
    expect(options).toEqual({ capAdd: ['CAP_NET_ADMIN', 'CAP_SYS_TIME'], capDrop: ['ALL'] });
    expect(check({ capAdd: '  , ' }).options).not.toHaveProperty('capAdd');
  });

  it('names the first capability no kernel has, under its field', () => {
    expect(check({ capAdd: 'NET_ADMIN SYS_WIZARD bogus' }).errors).toEqual({ capAdd: '"SYS_WIZARD" is not a capability: a name such as NET_ADMIN or CAP_NET_ADMIN, or ALL.' });
    expect(check({ capDrop: 'CAP_' }).errors.capDrop).toBe('"CAP_" is not a capability: a name such as NET_ADMIN or CAP_NET_ADMIN, or ALL.');
  });

  it('privileged: sent, and the capability lists (which would change nothing) are not', () => {
    expect(check({ privileged: true, capAdd: 'SYS_WIZARD', capDrop: 'ALL' })).toEqual({ options: { privileged: true }, errors: {} });
  });

  it('read-only root and no-new-privileges off', () => {
    expect(check({ readOnly: true, noNewPrivileges: false }).options).toEqual({ readonlyRootfs: true, noNewPrivileges: false });
  });

  it('seccomp: unconfined, or a picked JSON file’s text, checked to be JSON and no bigger than a profile', () => {
    expect(check({ seccomp: 'unconfined' }).options).toEqual({ seccompProfile: 'unconfined' });
    const profile = '{"defaultAction":"SCMP_ACT_ERRNO","syscalls":[]}';
    expect(check({ seccomp: 'custom', seccompProfile: profile, seccompFile: 'p.json' }).options).toEqual({ seccompProfile: profile });
    expect(check({ seccomp: 'custom' }).errors).toEqual({ seccompProfile: 'Choose a JSON profile file.' });
    expect(check({ seccomp: 'custom', seccompProfile: 'defaultAction: x' }).errors.seccompProfile).toBe('This file is not JSON: a seccomp profile is a JSON file.');
    expect(check({ seccomp: 'custom', seccompProfile: `"${'x'.repeat(1024 * 1024)}"` }).errors.seccompProfile).toBe('This file is bigger than a seccomp profile (at most 1 MiB).');
    // a file picked, then the choice changed back: the file is not sent
    expect(check({ seccomp: 'default', seccompProfile: profile }).options).toEqual({});
  });

  it('its problems are the fields the dialog opens the section for', () => {
    const { errors } = check({ capAdd: 'x', capDrop: 'y', seccomp: 'custom' });
    expect(Object.keys(errors).sort()).toEqual([...SECURITY_FIELDS].sort());
  });
});
