// The real prompts (@inquirer/prompts) driven by keystrokes (@inquirer/testing), for the suites of the commands that
// ask (npm run new-stack, npm run new-tenant): each question answered from a script, each refused attempt's screen
// kept. A prompt that does not do what the script expects fails the test at once, saying what it showed, rather than
// waiting on an answer that never comes.
import * as assert from "node:assert/strict";
import { lazy } from "../../cli/lazy";
import type { Prompter } from "../../stacks/new";

export interface ScriptedPrompts {
    prompter: Prompter;
    /** Each question's first screen, in the order asked. */
    screens: string[];
    /** The screen after each refused attempt: the prompt's own validation message under the answer. */
    refused: string[];
    /** The script's answers not asked for yet (empty once every question was asked). */
    left: (string | string[])[];
}

/** How long a prompt may take to show a refusal or settle an answer: it validates in this process, in milliseconds. */
const PROMPT_WAIT_MS = 3_000;

/**
 * A prompter answering from `answers`, one entry per question in the order asked. An input's or confirm's entry is
 * what is typed, or a list of attempts typed in turn, all but the last expected to be refused at the prompt. A
 * select's entry is a choice's value, reached with arrow keys from the proposed choice.
 */
export function scriptedPrompts(answers: (string | string[])[]): ScriptedPrompts {
    const testing = lazy.inquirerTesting();
    const prompts = lazy.inquirerPrompts();
    type Render = Parameters<typeof testing.render>[0];
    const left = [...answers];
    const screens: string[] = [];
    const refused: string[] = [];
    const render = async <T>(prompt: Render, config: object, typing: boolean) => {
        const entry = left.shift();
        assert.ok(entry !== undefined, "the flow asked more questions than scripted");
        const attempts = [entry].flat();
        const r = await testing.render(prompt, config);
        screens.push(r.getScreen());
        const settled = <V>(p: Promise<V>, expected: string): Promise<V> =>
            new Promise<V>((resolve, reject) => {
                const timer = setTimeout(
                    () => reject(new Error(`${expected}; the prompt shows:\n${r.getScreen()}`)),
                    PROMPT_WAIT_MS,
                );
                p.then(
                    (v) => (clearTimeout(timer), resolve(v)),
                    (e: unknown) => (clearTimeout(timer), reject(e instanceof Error ? e : new Error(String(e)))),
                );
            });
        if (!typing) {
            const { choices, default: proposed } = config as { choices: { value: string }[]; default?: string };
            const index = choices.findIndex((x) => x.value === attempts[0]);
            assert.ok(index >= 0, `no choice ${attempts[0]}`);
            // The cursor starts on the proposed choice (@inquirer/select), else on the first.
            const from = Math.max(
                0,
                choices.findIndex((x) => x.value === proposed),
            );
            for (let i = from; i !== index; i += Math.sign(index - from)) {
                r.events.keypress(index > from ? "down" : "up");
            }
            r.events.keypress("enter");
        }
        for (const [i, a] of (typing ? attempts : []).entries()) {
            r.events.keypress({ name: "u", ctrl: true });
            r.events.type(a);
            r.events.keypress("enter");
            if (i < attempts.length - 1) {
                await settled(r.nextRender(), `"${a}" was expected to be refused`);
                refused.push(r.getScreen());
            }
        }
        return (await settled(r.answer, `"${attempts.at(-1)}" was expected to be accepted`)) as T;
    };
    const prompter: Prompter = {
        input: (c) => render<string>(prompts.input as Render, c, true),
        select: <T extends string>(c: { message: string; choices: { name: string; value: T }[] }) =>
            render<T>(prompts.select as Render, c, false),
        confirm: (c) => render<boolean>(prompts.confirm as Render, c, true),
    };
    return { prompter, screens, refused, left };
}
