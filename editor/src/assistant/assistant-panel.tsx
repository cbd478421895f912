import { useId, useState, type FormEvent } from 'react';
import { useAskAssistant, useInstallIntegration, usePutSecret } from '../api/queries';
import type { AssistantAnswer } from '../api/types';
import { ErrorBox } from '../components/error-box';
import { useEditor } from '../store/editor-store';

type Draft = Extract<AssistantAnswer, { kind: 'draft' }>;
interface Turn {
  prompt: string;
  answer: AssistantAnswer;
}

/**
 * The assistant beside the canvas: describe the flow (or a change to it) in words; a draft is shown on the canvas
 * with its new and changed steps marked, to accept as one undoable edit or reject. What the draft still needs
 * (an integration to install, a secret's value) can be done right here.
 */
export function AssistantPanel() {
  const id = useId();
  const [prompt, setPrompt] = useState('');
  const [turns, setTurns] = useState<Turn[]>([]);
  const ask = useAskAssistant();
  const proposal = useEditor((s) => s.proposal);
  const last = turns.at(-1);

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    const text = prompt.trim();
    if (!text) return;
    const { doc } = useEditor.getState();
    // An empty flow (just a manual trigger) is drafted from scratch; anything else is revised.
    const editing = doc && doc.nodes.length > 0 ? doc : undefined;
    const answer = await ask.mutateAsync({ prompt: text, ...(editing ? { flow: editing } : {}) });
    setTurns((t) => [...t, { prompt: text, answer }]);
    setPrompt('');
    if (answer.kind === 'draft') useEditor.getState().propose(answer.draft, answer.changes);
  };

  return (
    <section className="sy-assistant" aria-labelledby={`${id}-title`}>
      <h2 id={`${id}-title`}>Assistant</h2>
      <ol className="sy-assistant-turns">
        {turns.map((turn, i) => (
          <li key={i}>
            <p className="sy-assistant-prompt">{turn.prompt}</p>
            <AnswerView answer={turn.answer} current={i === turns.length - 1} />
          </li>
        ))}
      </ol>
      {proposal && last?.answer.kind === 'draft' && <ProposalActions draft={last.answer} />}
      {ask.error ? <ErrorBox error={ask.error} /> : null}
      <form onSubmit={(e) => void submit(e)}>
        <label htmlFor={`${id}-prompt`}>{turns.length ? 'Change it' : 'Describe the flow'}</label>
        <textarea
          id={`${id}-prompt`}
          rows={3}
          value={prompt}
          placeholder={turns.length ? 'also post it to #sales on Slack' : 'Send a welcome email when someone signs up'}
          onChange={(e) => setPrompt(e.target.value)}
          onKeyDown={(e) => {
            if (e.key === 'Enter' && (e.metaKey || e.ctrlKey)) void submit(e);
          }}
        />
        <button type="submit" className="primary" disabled={ask.isPending || !prompt.trim()}>
          {ask.isPending ? 'Thinking…' : 'Ask'}
        </button>
      </form>
    </section>
  );
}

function AnswerView({ answer, current }: { answer: AssistantAnswer; current: boolean }) {
  if (answer.kind === 'question') return <p className="sy-assistant-question">{answer.question}</p>;
  if (answer.kind === 'unsupported') return <p className="sy-assistant-unsupported">{answer.message}</p>;
  return (
    <div className="sy-assistant-draft">
      <p>{answer.explanation}</p>
      {current && <Missing missing={answer.missing} />}
    </div>
  );
}

function ProposalActions({ draft }: { draft: Draft }) {
  const { changes } = draft;
  const summary = [
    changes.added.length ? `adds ${changes.added.join(', ')}` : '',
    changes.changed.length ? `changes ${changes.changed.join(', ')}` : '',
    changes.removed.length ? `removes ${changes.removed.join(', ')}` : '',
  ].filter(Boolean);
  return (
    <div className="sy-assistant-proposal" role="group" aria-label="Proposed change">
      <p>The canvas shows the proposal{summary.length ? `: it ${summary.join('; ')}` : ''}.</p>
      <button type="button" className="primary" onClick={() => useEditor.getState().acceptProposal()}>
        Accept
      </button>
      <button type="button" onClick={() => useEditor.getState().rejectProposal()}>
        Reject
      </button>
    </div>
  );
}

function Missing({ missing }: { missing: Draft['missing'] }) {
  const install = useInstallIntegration();
  const [installed, setInstalled] = useState<string[]>([]);
  const items = missing.integrations.length + missing.setupVariables.length + missing.inputs.length + (missing.backendFunctions ? 1 : 0);
  if (items === 0) return <p className="sy-muted">Nothing is missing.</p>;
  return (
    <div className="sy-assistant-missing">
      <h3>Still needed</h3>
      <ul>
        {missing.integrations.map((i) => (
          <li key={i.key}>
            {installed.includes(i.key) ? (
              `${i.title} is installed.`
            ) : (
              <>
                Install {i.title}{' '}
                <button
                  type="button"
                  className="link"
                  disabled={install.isPending}
                  onClick={() => void install.mutateAsync(i.key).then(() => setInstalled((l) => [...l, i.key]))}
                >
                  Install
                </button>
              </>
            )}
          </li>
        ))}
        {missing.setupVariables.map((v) => (
          <li key={v.name}>
            <SecretValue name={v.name} description={v.description} whereToGet={v.whereToGet} />
          </li>
        ))}
        {missing.backendFunctions && <li>Turn on Backend functions under App Settings (the HTTP request action needs them).</li>}
        {missing.inputs.map((i) => (
          <li key={`${i.nodeId}.${i.field}`}>
            Check {i.nodeId}.{i.field}: {i.message}
          </li>
        ))}
      </ul>
      {install.error ? <ErrorBox error={install.error} /> : null}
    </div>
  );
}

/** A missing secret: where to get it, and its test value set right here (the live one under Secrets). */
function SecretValue({ name, description, whereToGet }: { name: string; description: string; whereToGet: string }) {
  const id = useId();
  const put = usePutSecret();
  const [value, setValue] = useState('');
  if (put.isSuccess) return <p>{name}: test value saved.</p>;
  return (
    <form
      className="sy-assistant-secret"
      onSubmit={(e) => {
        e.preventDefault();
        if (value) put.mutate({ name, test: value });
      }}
    >
      <label htmlFor={id}>
        <code>{name}</code> ({description})
      </label>
      <p className="sy-muted">{whereToGet}</p>
      <input id={id} type="password" autoComplete="off" value={value} placeholder="test value" onChange={(e) => setValue(e.target.value)} />
      <button type="submit" disabled={!value || put.isPending}>
        Save test value
      </button>
      {put.error ? <ErrorBox error={put.error} /> : null}
    </form>
  );
}
