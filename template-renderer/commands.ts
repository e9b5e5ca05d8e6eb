import { describeError } from '../common/errors.js';
import type { Logger } from '../common/log.js';
import { runCommand } from '../common/process/run-command.js';
import type { RenderEvent, TemplateConfig } from './types.js';

export const DEFAULT_COMMAND_TIMEOUT_MS = 30_000;

export interface CommandFailure {
  destination: string;
  command: string;
  message: string;
}

/**
 * Runs the commands of templates whose output changed, one at a time, after the whole round was
 * written. Identical command lines run once per round (two templates reloading the same nginx).
 * Failures are logged with exit code and output and returned; they never stop the renderer.
 */
export async function runCommands(
  changed: { config: TemplateConfig; event: RenderEvent }[],
  logger: Logger,
  signal?: AbortSignal,
): Promise<CommandFailure[]> {
  const failures: CommandFailure[] = [];
  const ran = new Set<string>();
  for (const { config, event } of changed) {
    if (config.command && !ran.has(config.command)) {
      ran.add(config.command);
      const result = await runCommand(config.command, {
        timeoutMs: config.commandTimeoutMs ?? DEFAULT_COMMAND_TIMEOUT_MS,
        signal,
      });
      const fields = {
        destination: config.destination,
        command: config.command,
        exitCode: result.exitCode,
        durationMs: result.durationMs,
      };
      if (result.failed) {
        const why = result.timedOut
          ? 'timed out'
          : `exited with ${result.exitCode ?? result.signal}`;
        logger.error(
          { ...fields, timedOut: result.timedOut, output: result.output },
          `command ${why}`,
        );
        failures.push({
          destination: config.destination,
          command: config.command,
          message: `command ${why}: ${result.output}`,
        });
      } else {
        logger.info(fields, 'command ran');
      }
    }
    if (config.exec) {
      try {
        await config.exec(event);
      } catch (error) {
        logger.error(
          { destination: config.destination, err: describeError(error) },
          'exec callback failed',
        );
        failures.push({
          destination: config.destination,
          command: 'exec',
          message: describeError(error),
        });
      }
    }
  }
  return failures;
}
