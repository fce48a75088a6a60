// The examples' configuration: environment variables.
import {env, exit} from 'node:process';

/**
 * The variable's value; exits with status 2 and a message when it is not set.
 * @param {string} name
 * @returns {string}
 */
export function required(name) {
  const value = env[name];
  if (!value) {
    console.error(`set ${name} (see docs/clients/README.md)`);
    exit(2);
  }
  return value;
}
