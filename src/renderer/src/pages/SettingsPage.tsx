import { useEffect, useState, type FormEvent, type ReactElement, type ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import type { SecretName, Settings } from '../../../shared/domain';
import { LANGUAGES } from '../../../shared/enums';
import type { AppErrorData } from '../../../shared/errors';
import { ava } from '../ava';
import { ErrorMessage } from '../components/ErrorMessage';
import { useAccount } from '../stores/account';
import { useApp } from '../stores/app';

export function SettingsPage(): ReactElement {
  const { t } = useTranslation();
  const load = useAccount((s) => s.load);
  useEffect(() => {
    void load();
    return ava().on('data.changed', ({ tables }) => {
      if (tables.some((table) => table === 'secrets' || table === 'auth' || table === 'settings')) void load();
    });
  }, [load]);
  return (
    <div className="settings-page">
      <header className="page-header">
        <h1>{t('settings.title')}</h1>
        <p>{t('settings.intro')}</p>
      </header>
      <KeychainAlert />
      <AccountCard />
      <VapiCard />
      <TwilioCard />
      <WebhookSecretCard />
      <PreferencesCard />
      <AboutCard />
    </div>
  );
}

function Card({ id, title, children }: { id: string; title: string; children: ReactNode }): ReactElement {
  return (
    <section className="card" aria-labelledby={`${id}-title`} data-testid={`card-${id}`}>
      <h2 id={`${id}-title`}>{title}</h2>
      {children}
    </section>
  );
}

/** A labelled, required text input on one row of a card. */
function TextField(props: {
  id: string;
  label: string;
  value: string;
  onChange: (value: string) => void;
  type?: 'text' | 'password';
  autoComplete?: string;
  placeholder?: string;
}): ReactElement {
  return (
    <div className="field">
      <label htmlFor={props.id}>{props.label}</label>
      <input
        id={props.id}
        type={props.type ?? 'text'}
        autoComplete={props.autoComplete ?? 'off'}
        spellCheck={false}
        placeholder={props.placeholder}
        value={props.value}
        onChange={(e) => props.onChange(e.target.value)}
        required
      />
    </div>
  );
}

function KeychainAlert(): ReactElement | null {
  const { t } = useTranslation();
  const keychain = useAccount((s) => s.secrets?.keychain);
  if (!keychain || keychain.available) return null;
  return (
    <div className="alert alert-bad" role="alert" data-testid="keychain-alert">
      <strong>{t('settings.keychain.title')}</strong>
      <div>{t(`settings.keychain.problem.${keychain.problem}`)}</div>
      <div className="muted">{t('settings.keychain.safe')}</div>
      <details>
        <summary>{t('common.details')}</summary>
        <div className="mono">{keychain.detail}</div>
      </details>
    </div>
  );
}

/** Shows `••••1234` for a set secret, or "Not set". */
function Hint({ name }: { name: SecretName }): ReactElement {
  const { t } = useTranslation();
  const state = useAccount((s) => s.secrets?.secrets[name]);
  if (!state?.set) return <span className="muted">{t('common.notSet')}</span>;
  return (
    <span className="mono" data-testid={`hint-${name}`}>
      {state.hint ?? '••••'}
    </span>
  );
}

function useBusy(): [boolean, AppErrorData | null, (run: () => Promise<AppErrorData | null>) => Promise<boolean>] {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<AppErrorData | null>(null);
  const run = async (action: () => Promise<AppErrorData | null>) => {
    setBusy(true);
    setError(null);
    const failure = await action();
    setBusy(false);
    setError(failure);
    return failure === null;
  };
  return [busy, error, run];
}

function AccountCard(): ReactElement {
  const { t } = useTranslation();
  const settings = useApp((s) => s.settings);
  const auth = useAccount((s) => s.auth);
  const health = useAccount((s) => s.health);
  const appHealth = useApp((s) => s.status?.backend);
  // A new address being checked before the switch, while it wakes up (Render cold start).
  const pending = useApp((s) => s.status?.pendingBackend);
  const checking = useAccount((s) => s.checking);
  const checkBackend = useAccount((s) => s.checkBackend);
  const authAction = useAccount((s) => s.authAction);
  const [busy, error, run] = useBusy();
  // The address switch has its own: a slow check (a server waking up) must not look like a sign-in in progress.
  const [urlBusy, urlError, runUrl] = useBusy();
  const [editingUrl, setEditingUrl] = useState(false);
  const [url, setUrl] = useState('');
  const [identifier, setIdentifier] = useState('');
  const [password, setPassword] = useState('');
  const [remember, setRemember] = useState(true);

  const signIn = async (event: FormEvent) => {
    event.preventDefault();
    const ok = await run(() => authAction(() => ava().auth.signIn({ identifier, password, remember })));
    setPassword('');
    if (ok) void useApp.getState().refreshStatus();
  };
  const changeUrl = async (event: FormEvent) => {
    event.preventDefault();
    const ok = await runUrl(async () => {
      const result = await ava().backend.setUrl({ url });
      if (!result.ok) return result.error;
      await useApp.getState().load();
      await useAccount.getState().load();
      return null;
    });
    if (ok) setEditingUrl(false);
  };

  // The last check asked here, else what the core knows (the start-up check, the last sync).
  const known = health?.health ?? (appHealth && appHealth !== 'unknown' ? appHealth : null);
  // While a check runs, the core may already know more: a cold start ("waking the server up").
  const shown = checking ? (appHealth === 'waking' ? 'waking' : 'checking') : known;
  const healthText = shown ? t(`status.backendState.${shown}`) : null;
  return (
    <Card id="account" title={t('settings.account.title')}>
      {urlError && <ErrorMessage error={urlError} />}
      {error && <ErrorMessage error={error} />}
      <div className="field">
        <span className="label">{t('settings.account.backendUrl')}</span>
        {editingUrl ? (
          <form className="row" onSubmit={changeUrl}>
            <input
              type="url"
              aria-label={t('settings.account.backendUrl')}
              value={url}
              onChange={(e) => setUrl(e.target.value)}
              style={{ flex: 1 }}
              required
            />
            <button type="submit" className="btn btn-primary" disabled={urlBusy}>
              {urlBusy ? t('settings.account.checking') : t('settings.account.switch')}
            </button>
            <button type="button" className="btn" onClick={() => setEditingUrl(false)}>
              {t('common.cancel')}
            </button>
          </form>
        ) : (
          <div className="row">
            <span className="mono" data-testid="backend-url">
              {settings?.backendUrl}
            </span>
            {healthText && (
              <span className="badge" data-testid="backend-health">
                {healthText}
              </span>
            )}
            <button type="button" className="btn" onClick={() => void checkBackend()} disabled={checking}>
              {t('settings.account.check')}
            </button>
            <button
              type="button"
              className="btn"
              onClick={() => {
                setUrl(settings?.backendUrl ?? '');
                setEditingUrl(true);
              }}
            >
              {t('settings.account.change')}
            </button>
          </div>
        )}
      </div>
      {editingUrl && urlBusy && pending?.health === 'waking' && (
        <div className="field" role="status" data-testid="backend-pending">
          <span />
          <span className="small">{t('settings.account.pendingWaking', { url: pending.url })}</span>
        </div>
      )}
      {editingUrl && <p className="muted small">{t('settings.account.changeNote')}</p>}
      {auth?.state === 'signed-in' ? (
        <div className="field">
          <span className="label">{t('settings.account.signedInAs')}</span>
          <div className="row">
            <span data-testid="signed-in-user">{auth.user.email ?? auth.user.name ?? auth.user.id}</span>
            <button
              type="button"
              className="btn"
              disabled={busy}
              onClick={() =>
                void run(() => authAction(() => ava().auth.signOut())).then(() => useApp.getState().refreshStatus())
              }
            >
              {t('settings.account.signOut')}
            </button>
          </div>
        </div>
      ) : (
        <form className="signin" onSubmit={signIn} aria-label={t('settings.account.signIn')}>
          {auth?.state === 'expired' && (
            <div className="alert alert-warn" role="status">
              {t('settings.account.expired')}
            </div>
          )}
          <TextField
            id="identifier"
            label={t('settings.account.identifier')}
            autoComplete="username"
            value={identifier}
            onChange={setIdentifier}
          />
          <TextField
            id="password"
            type="password"
            label={t('settings.account.password')}
            autoComplete="current-password"
            value={password}
            onChange={setPassword}
          />
          <div className="field">
            <span />
            <div className="row">
              <label className="check">
                <input type="checkbox" checked={remember} onChange={(e) => setRemember(e.target.checked)} />
                {t('settings.account.remember')}
              </label>
              <button type="submit" className="btn btn-primary" disabled={busy} style={{ marginLeft: 'auto' }}>
                {busy ? t('settings.account.signingIn') : t('settings.account.signIn')}
              </button>
            </div>
          </div>
        </form>
      )}
    </Card>
  );
}

/** A secret the owner pastes: shows its hint, lets them replace or forget it. */
function SecretField({
  name,
  label,
  placeholder,
  onSave,
  extra,
}: {
  name: SecretName;
  label: string;
  placeholder: string;
  onSave: (value: string) => Promise<AppErrorData | null>;
  extra?: ReactNode;
}): ReactElement {
  const { t } = useTranslation();
  const isSet = useAccount((s) => s.secrets?.secrets[name].set ?? false);
  const secretsAction = useAccount((s) => s.secretsAction);
  const [editing, setEditing] = useState(false);
  const [value, setValue] = useState('');
  const [busy, error, run] = useBusy();
  const save = async (event: FormEvent) => {
    event.preventDefault();
    const ok = await run(() => onSave(value.trim()));
    if (ok) {
      setValue('');
      setEditing(false);
      void useApp.getState().refreshStatus();
    }
  };
  const forget = () =>
    void run(() =>
      secretsAction(() =>
        ava().secrets.forget({ name: name as 'vapiPrivateKey' | 'twilioAuthToken' | 'webhookSecret' }),
      ),
    ).then(() => useApp.getState().refreshStatus());
  return (
    <>
      {error && <ErrorMessage error={error} />}
      {editing || !isSet ? (
        <form className="secret-form" onSubmit={save}>
          {extra}
          <div className="field">
            <label htmlFor={`secret-${name}`}>{label}</label>
            <div className="row">
              <input
                id={`secret-${name}`}
                type="password"
                autoComplete="off"
                spellCheck={false}
                placeholder={placeholder}
                value={value}
                onChange={(e) => setValue(e.target.value)}
                style={{ flex: 1 }}
                required
              />
              <button type="submit" className="btn btn-primary" disabled={busy}>
                {busy ? t('settings.secrets.checking') : t('settings.secrets.connect')}
              </button>
              {isSet && (
                <button type="button" className="btn" onClick={() => setEditing(false)}>
                  {t('common.cancel')}
                </button>
              )}
            </div>
          </div>
        </form>
      ) : (
        <div className="field">
          <span className="label">{label}</span>
          <div className="row">
            <Hint name={name} />
            <button type="button" className="btn" onClick={() => setEditing(true)}>
              {t('common.replace')}
            </button>
            <button type="button" className="btn btn-danger" onClick={forget} disabled={busy}>
              {t('settings.secrets.forget')}
            </button>
          </div>
        </div>
      )}
    </>
  );
}

function VapiCard(): ReactElement {
  const { t } = useTranslation();
  const secretsAction = useAccount((s) => s.secretsAction);
  return (
    <Card id="vapi" title={t('settings.vapi.title')}>
      <p className="muted small">{t('settings.vapi.help')}</p>
      <SecretField
        name="vapiPrivateKey"
        label={t('settings.vapi.key')}
        placeholder={t('settings.vapi.placeholder')}
        onSave={(privateKey) => secretsAction(() => ava().vapi.connect({ privateKey }))}
      />
    </Card>
  );
}

function TwilioCard(): ReactElement {
  const { t } = useTranslation();
  const settings = useApp((s) => s.settings);
  const secretsAction = useAccount((s) => s.secretsAction);
  const [sid, setSid] = useState(settings?.twilioAccountSid ?? '');
  return (
    <Card id="twilio" title={t('settings.twilio.title')}>
      <p className="muted small">{t('settings.twilio.help')}</p>
      {settings?.twilioAccountSid && (
        <div className="field">
          <span className="label">{t('settings.twilio.sid')}</span>
          <span className="mono" data-testid="twilio-sid">
            {settings.twilioAccountSid}
          </span>
        </div>
      )}
      <SecretField
        name="twilioAuthToken"
        label={t('settings.twilio.token')}
        placeholder={t('settings.twilio.tokenPlaceholder')}
        onSave={async (authToken) => {
          const error = await secretsAction(() => ava().twilio.connect({ accountSid: sid.trim(), authToken }));
          if (!error) await useApp.getState().load();
          return error;
        }}
        extra={
          <TextField
            id="twilio-sid"
            label={t('settings.twilio.sid')}
            placeholder={t('settings.twilio.sidPlaceholder')}
            value={sid}
            onChange={setSid}
          />
        }
      />
    </Card>
  );
}

function WebhookSecretCard(): ReactElement {
  const { t } = useTranslation();
  const settings = useApp((s) => s.settings);
  const update = useApp((s) => s.updateSettings);
  const secretsAction = useAccount((s) => s.secretsAction);
  const isSet = useAccount((s) => s.secrets?.secrets.webhookSecret.set ?? false);
  const [busy, error, run] = useBusy();
  return (
    <Card id="webhook" title={t('settings.webhook.title')}>
      <p className="muted small">{t('settings.webhook.help')}</p>
      {error && <ErrorMessage error={error} />}
      <div className="field">
        <span className="label">{t('settings.webhook.enabled')}</span>
        <label className="check">
          <input
            type="checkbox"
            checked={settings?.webhookSecretEnabled ?? false}
            onChange={(e) => void update({ webhookSecretEnabled: e.target.checked })}
          />
          {t('settings.webhook.enabledHelp')}
        </label>
      </div>
      <div className="field">
        <span className="label">{t('settings.webhook.secret')}</span>
        <div className="row">
          <Hint name="webhookSecret" />
          <button
            type="button"
            className="btn"
            disabled={busy}
            onClick={() => void run(() => secretsAction(() => ava().webhookSecret.set({})))}
          >
            {isSet ? t('settings.webhook.regenerate') : t('settings.webhook.generate')}
          </button>
          {isSet && (
            <button
              type="button"
              className="btn btn-danger"
              disabled={busy}
              onClick={() => void run(() => secretsAction(() => ava().secrets.forget({ name: 'webhookSecret' })))}
            >
              {t('settings.secrets.forget')}
            </button>
          )}
        </div>
      </div>
    </Card>
  );
}

const SYNC_INTERVALS = [5, 15, 30, 60, 240];

function PreferencesCard(): ReactElement | null {
  const { t } = useTranslation();
  const settings = useApp((s) => s.settings);
  const update = useApp((s) => s.updateSettings);
  if (!settings) return null;
  return (
    <Card id="prefs" title={t('settings.preferences')}>
      <div className="field">
        <label htmlFor="language">{t('settings.language')}</label>
        <select
          id="language"
          value={settings.language}
          onChange={(e) => void update({ language: e.target.value as Settings['language'] })}
        >
          <option value="system">{t('settings.languageSystem')}</option>
          {LANGUAGES.map((lang) => (
            <option key={lang} value={lang}>
              {t(`languages.${lang}`)}
            </option>
          ))}
        </select>
      </div>
      <div className="field">
        <label htmlFor="theme">{t('settings.theme')}</label>
        <select
          id="theme"
          value={settings.theme}
          onChange={(e) => void update({ theme: e.target.value as Settings['theme'] })}
        >
          <option value="system">{t('settings.themeSystem')}</option>
          <option value="light">{t('settings.themeLight')}</option>
          <option value="dark">{t('settings.themeDark')}</option>
        </select>
      </div>
      <div className="field">
        <label htmlFor="sync-interval">{t('settings.syncInterval')}</label>
        <select
          id="sync-interval"
          value={settings.syncIntervalMinutes}
          onChange={(e) => void update({ syncIntervalMinutes: Number(e.target.value) })}
        >
          {[...new Set([...SYNC_INTERVALS, settings.syncIntervalMinutes])]
            .sort((a, b) => a - b)
            .map((minutes) => (
              <option key={minutes} value={minutes}>
                {t('settings.everyMinutes', { count: minutes })}
              </option>
            ))}
        </select>
      </div>
    </Card>
  );
}

function AboutCard(): ReactElement | null {
  const { t } = useTranslation();
  const info = useApp((s) => s.info);
  if (!info) return null;
  return (
    <Card id="about" title={t('settings.about')}>
      <div className="field">
        <span className="label">{t('settings.dataFolder')}</span>
        <span className="mono">{info.dataDir}</span>
      </div>
      <div className="field">
        <span className="label">{t('settings.cacheFile')}</span>
        <span className="mono">{info.cachePath}</span>
      </div>
      <div className="field">
        <span className="label">{t('settings.logFile')}</span>
        <span className="mono">{info.logPath}</span>
      </div>
      <div className="field">
        <span className="label">{t('settings.secretsWhere')}</span>
        <span>{t(`settings.keychainName.${keychainFamily(info.platform)}`)}</span>
      </div>
      <div className="field">
        <span className="label">{t('app.name')}</span>
        <span>{t('settings.version', { version: info.version })}</span>
      </div>
    </Card>
  );
}

function keychainFamily(platform: string): 'darwin' | 'win32' | 'linux' {
  return platform === 'darwin' || platform === 'win32' ? platform : 'linux';
}
