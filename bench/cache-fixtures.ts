/**
 * Seeded generator of realistic Vapi call objects for the cache benchmarks (used until the fakes' transcript generator
 * exists in test/fakes). Each call carries its transcript three times, as Vapi's do: `artifact.transcript`,
 * `artifact.messages` (with the assistant's system prompt first) and `artifact.messagesOpenAIFormatted`.
 */

/** Mulberry32: small, fast, and the same sequence on every machine. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

// Sentence templates with slots ({day}, {time}, {name}, ...), so no two calls say quite the same thing and the text
// compresses like speech does, not like a loop.
const FR_ASSISTANT = [
  'Bonjour, vous êtes bien au {business}, je suis AVA, comment puis-je vous aider ?',
  'Très bien, je regarde les disponibilités pour un rendez-vous {when}.',
  'Nous avons un créneau {day} à {time} ou {day2} à {time2}, lequel vous conviendrait le mieux ?',
  "Parfait, c'est noté pour {day} à {time}. Pouvez-vous me donner votre nom et votre numéro de téléphone ?",
  'Je vous envoie une confirmation par SMS au {phone}. Y a-t-il autre chose que je puisse faire pour vous ?',
  "Le {business} est ouvert du lundi au vendredi de {open} à {close}, et le samedi matin jusqu'à midi.",
  "D'accord, je transmets votre message à {name}, elle vous rappellera {when}.",
  'Je comprends tout à fait. Malheureusement, {who} ne peut pas {service} le week-end.',
  'Les tarifs sont de {price} euros pour {service}, et le paiement se fait sur place.',
  "Pouvez-vous m'épeler votre nom de famille, s'il vous plaît ?",
  'Je note : {name}, {reason}. Est-ce que {day} vous irait ?',
  'Pour {service}, comptez environ {minutes} minutes. Pensez à apporter {thing}.',
  "Je suis désolée, je n'ai pas bien compris. Pouvez-vous répéter plus lentement ?",
  'Merci pour votre appel, très bonne journée à vous !',
];
const FR_CALLER = [
  "Oui bonjour, j'aimerais prendre rendez-vous pour {reason}.",
  '{day} ça serait parfait, plutôt vers {time} si possible.',
  "C'est {title} {name} {surname}, mon numéro c'est le {phone}.",
  'Est-ce que vous prenez la carte Vitale ? Et est-ce que je dois apporter {thing} ?',
  "Non, ce sera tout, merci beaucoup, c'est très gentil.",
  "Euh, attendez, je crois que j'ai déjà un rendez-vous {when}, vous pouvez vérifier ?",
  'Je voudrais parler à {name} au sujet de {topic}.',
  "C'est assez urgent, {relative} ne se sent pas bien depuis {since}.",
  "Ah non, {day} je travaille, vous n'auriez pas plutôt {day2} en fin de journée ?",
  '{surname}, {spelled}. Voilà.',
  "D'accord, et c'est combien pour {service} ?",
  'Je rappellerai {when} alors, merci.',
];
const EN_ASSISTANT = [
  'Hi, thanks for calling {business}, this is AVA, the virtual receptionist. How can I help you today?',
  'Sure, let me check the calendar for the next available {service} appointment.',
  'I have an opening on {dayEn} at {timeEn} or {dayEn2} at {timeEn2}. Which one works better for you?',
  "Great, you're all set for {dayEn} at {timeEn}. Could you confirm your full name and the best number to reach you?",
  "We're open Monday through Friday from {openEn} to {closeEn}, and we close at noon on Saturdays.",
  "I'll pass your message along to {name} and she'll call you back {whenEn}.",
  'The {service} is {price} dollars, and most insurance plans cover part of it.',
  "I'm sorry, I didn't quite catch that. Could you say it again?",
  'Could you spell your last name for me, please?',
  'Is there anything else I can help you with?',
  'Thank you for calling, have a wonderful day!',
];
const EN_CALLER = [
  "Hey, yeah, I'd like to book a {service}, it's been about {months} months since my last one.",
  '{dayEn} at {timeEn} would be perfect actually.',
  "It's {name} {surname}, {spelled}, and my cell is {phoneEn}.",
  'Do you take {insurance}? My employer switched plans in {month} and I am not sure what is covered.',
  "I think {problem}, it's pretty sensitive when I drink something cold.",
  "No, that's it, thanks so much.",
  'Can I reschedule my appointment from {dayEn}? Something came up at work.',
  'How much is a {service} without insurance?',
  "I'm calling about {topicEn}, I got a letter last week.",
];
const SLOTS: Record<string, readonly string[]> = {
  business: [
    'cabinet du docteur Lefèvre',
    'salon Coiffure Élégance',
    'garage Martin & Fils',
    'cabinet dentaire des Lilas',
  ],
  when: ['demain', 'dans la journée', 'la semaine prochaine', 'cet après-midi', 'avant vendredi'],
  day: ['lundi', 'mardi', 'mercredi', 'jeudi', 'vendredi', 'samedi'],
  day2: ['lundi', 'mardi', 'mercredi', 'jeudi', 'vendredi'],
  time: ['8 h 30', '9 h', '10 h 30', '11 h 15', '14 h', '15 h 45', '17 h 30', '18 h'],
  time2: ['9 h 30', '10 h', '13 h 45', '16 h', '17 h'],
  open: ['8 h', '8 h 30', '9 h'],
  close: ['18 h', '19 h', '19 h 30'],
  name: ['Hélène', 'François', 'Zoë', 'Mélanie', 'Amélie', 'Chloé', 'Inès', 'Noémie', 'Björn', 'Jordan', 'Priya'],
  surname: ['Dubois', 'Lefèvre', 'Moreau', 'Girard', 'Nguyen', 'Miller', 'García', 'Müller', 'Rousseau', 'Faure'],
  title: ['Madame', 'Monsieur'],
  who: ['le docteur', 'notre technicien', 'la coiffeuse', "l'équipe"],
  service: [
    'une consultation',
    'un contrôle',
    'un détartrage',
    'une coupe',
    'une vidange',
    'un bilan',
    'cleaning',
    'check-up',
  ],
  price: ['25', '30', '45', '60', '80', '120'],
  minutes: ['15', '20', '30', '45', '60'],
  thing: ['le carnet de santé', 'votre ordonnance', 'la carte grise', 'vos anciennes radios', 'une pièce d’identité'],
  reason: [
    'mon fils, il a de la fièvre depuis hier soir',
    'un contrôle annuel',
    'une douleur au genou',
    'la révision de ma voiture',
    'une couleur et un brushing',
    'un certificat médical pour le sport',
  ],
  relative: ['mon père', 'ma fille', 'ma grand-mère', 'mon mari'],
  since: ['hier', 'ce matin', 'trois jours', 'la semaine dernière'],
  topic: ['ma facture du mois dernier', 'un remboursement', 'mes résultats d’analyse', 'un devis'],
  phone: ['06 12 34 56 78', '07 98 76 54 32', '06 45 23 11 90', '01 43 55 20 18'],
  spelled: ['D-U-B-O-I-S', 'M-O-R-E-A-U', 'G-I-R-A-R-D', 'M-I-L-L-E-R', 'N-G-U-Y-E-N'],
  dayEn: ['Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday'],
  dayEn2: ['Tuesday', 'Thursday', 'Friday'],
  timeEn: ['9 AM', '10:30', '2:15 PM', '3 PM', '4:45 PM'],
  timeEn2: ['8:30 AM', '11 AM', '1 PM', '5 PM'],
  openEn: ['8', '8:30', '9'],
  closeEn: ['5', '6', '7'],
  whenEn: ['this afternoon', 'tomorrow morning', 'before the end of the day', 'on Monday'],
  months: ['six', 'eight', 'ten', 'twelve', 'eighteen'],
  insurance: ['Delta Dental', 'Aetna', 'Blue Cross', 'Cigna', 'MetLife'],
  month: ['January', 'March', 'June', 'September'],
  problem: ['I cracked a filling on my back molar', 'my crown is loose', 'my gums have been bleeding'],
  phoneEn: ['555 212 3498', '555 019 8876', '555 731 0045'],
  topicEn: ['my bill', 'a refund', 'my test results', 'a quote'],
};

function fill(rand: () => number, template: string): string {
  return template.replace(/\{(\w+)\}/g, (_, slot: string) => pick(rand, SLOTS[slot] ?? [slot]));
}

const PROMPT_BODY = `You are AVA, the receptionist of {business}. You answer the phone for a small business whose owner is often busy.

# Style
- Speak in the caller's language: French by default, English if the caller speaks English. Never mix languages in one sentence.
- Keep every answer under two sentences. Be warm, calm and precise. Never invent information you were not given.
- Spell back names and phone numbers to confirm them. Read numbers in pairs in French ("zéro six, douze, trente-quatre").

# What you can do
1. Book, move or cancel appointments with the calendar tools (checkAvailability, bookAppointment, cancelAppointment).
   Always offer two slots. Confirm the day, the time and the name before booking. Send an SMS confirmation.
2. Answer questions about opening hours, prices, address, parking and what to bring, using the facts below only.
3. Take a message for the owner or a colleague: who called, their number, what it is about, how urgent it is.
4. Transfer the call to the on-call number when the caller describes an emergency, and say you are doing so.

# Facts
- Opening hours: Monday to Friday, 8:00 to 19:00; Saturday 8:00 to 12:00; closed on Sundays and public holidays.
- Address: 12 rue des Lilas, 69003 Lyon. Parking: free for 30 minutes in front of the building, paid garage opposite.
- Payment: cash, card, cheque. The carte Vitale is accepted; third-party payment for complementary insurance on request.
- Prices: consultation 30 €, follow-up 25 €, certificate 20 €. Home visits on weekdays only, after 17:00, 45 €.

# Never
- Never give medical, legal or financial advice. Never promise a price or a slot the tools did not confirm.
- Never share another client's information, even if the caller says they are family.
- Never end the call before asking whether there is anything else.

# Ending
Thank the caller by name, repeat what was agreed (day, time, what to bring) and wish them a good day.`;

const SYSTEM_PROMPTS = [0, 1, 2].map((i) => fill(seededRandom(7 + i), PROMPT_BODY));

const ASSISTANT_IDS = [
  '7f3c1a52-3c1b-4b8e-9a0e-0c1f7a9d2b11',
  'b0a9e4f1-6d2c-4f7a-8e3b-5a1c9d7e2f40',
  'c4d2e8a3-1f5b-4c9d-a7e6-3b2f1a0c9d58',
];
const PHONE_IDS = ['e2b7c3d1-9a4f-4e6b-8c2d-1f0a3b5c7d9e', 'a1f2e3d4-c5b6-4a79-8e6d-5c4b3a2f1e0d'];
const ENDED_REASONS = ['customer-ended-call', 'assistant-ended-call', 'silence-timed-out', 'voicemail'];
const FIRST_NAMES = SLOTS.name as readonly string[];

function uuid(rand: () => number): string {
  const hex = (n: number) => Array.from({ length: n }, () => Math.floor(rand() * 16).toString(16)).join('');
  return `${hex(8)}-${hex(4)}-4${hex(3)}-${'89ab'[Math.floor(rand() * 4)]}${hex(3)}-${hex(12)}`;
}

function pick<T>(rand: () => number, items: readonly T[]): T {
  return items[Math.floor(rand() * items.length)] as T;
}

export interface GeneratedCall {
  call: Record<string, unknown>;
  /** UTF-8 bytes of `artifact.transcript`. */
  transcriptBytes: number;
}

/**
 * One ended Vapi call. Lengths are skewed like a real line: most calls are a few turns, a few run for many minutes.
 * `index` orders calls in time (higher = newer), one every ~7 minutes back from `now`.
 */
export function generateVapiCall(rand: () => number, index: number, now = Date.UTC(2026, 0, 15, 12)): GeneratedCall {
  const french = rand() < 0.6;
  const assistantLines = french ? FR_ASSISTANT : EN_ASSISTANT;
  const callerLines = french ? FR_CALLER : EN_CALLER;
  const r = rand();
  const turnPairs =
    r < 0.15
      ? 1
      : r < 0.7
        ? 3 + Math.floor(rand() * 6)
        : r < 0.95
          ? 9 + Math.floor(rand() * 12)
          : 25 + Math.floor(rand() * 40);
  const startMs = now - (100_000 - index) * 420_000 - Math.floor(rand() * 60_000);
  const assistant = Math.floor(rand() * ASSISTANT_IDS.length);
  const prompt = SYSTEM_PROMPTS[assistant] as string;
  const messages: Record<string, unknown>[] = [{ role: 'system', message: prompt, time: startMs, secondsFromStart: 0 }];
  const openAi: Record<string, unknown>[] = [{ role: 'system', content: prompt }];
  const lines: string[] = [];
  let t = 0.4;
  for (let i = 0; i < turnPairs * 2; i++) {
    const bot = i % 2 === 0;
    // Join one to three sentences, sometimes with a name or a number, so the text varies from call to call.
    const n = 1 + Math.floor(rand() * (bot ? 2 : 3));
    const parts: string[] = [];
    for (let k = 0; k < n; k++) parts.push(fill(rand, pick(rand, bot ? assistantLines : callerLines)));
    if (!bot && rand() < 0.3) parts.push(`${pick(rand, FIRST_NAMES)} ${Math.floor(rand() * 1000)}.`);
    const text = parts.join(' ');
    const duration = Math.round((text.length / 14) * 1000);
    messages.push({
      role: bot ? 'bot' : 'user',
      message: text,
      time: startMs + Math.round(t * 1000),
      endTime: startMs + Math.round(t * 1000) + duration,
      secondsFromStart: Math.round(t * 1000) / 1000,
      duration,
      ...(bot ? { source: '' } : {}),
    });
    openAi.push({ role: bot ? 'assistant' : 'user', content: text });
    lines.push(`${bot ? 'AI' : 'User'}: ${text}`);
    t += duration / 1000 + 0.6 + rand();
  }
  const transcript = lines.join('\n');
  const endMs = startMs + Math.round(t * 1000);
  const id = uuid(rand);
  const number = `+33${6 + Math.floor(rand() * 2)}${String(Math.floor(rand() * 1e8)).padStart(8, '0')}`;
  const recordingBase = `https://storage.vapi.ai/${id}`;
  const cost = Math.round((t / 60) * 0.11 * 10000) / 10000;
  const call: Record<string, unknown> = {
    id,
    orgId: '1c2d3e4f-5a6b-4c7d-8e9f-0a1b2c3d4e5f',
    createdAt: new Date(startMs - 1200).toISOString(),
    updatedAt: new Date(endMs + 4000).toISOString(),
    type: 'inboundPhoneCall',
    status: 'ended',
    endedReason: pick(rand, ENDED_REASONS),
    startedAt: new Date(startMs).toISOString(),
    endedAt: new Date(endMs).toISOString(),
    cost,
    costBreakdown: {
      transport: 0.01,
      stt: Math.round(cost * 2000) / 10000,
      llm: Math.round(cost * 3000) / 10000,
      tts: Math.round(cost * 2500) / 10000,
      vapi: Math.round(cost * 2500) / 10000,
      total: cost,
      llmPromptTokens: Math.floor(rand() * 20000),
      llmCompletionTokens: Math.floor(rand() * 2000),
      ttsCharacters: transcript.length >> 1,
    },
    costs: [
      {
        type: 'transcriber',
        transcriber: { provider: 'deepgram', model: 'nova-2' },
        minutes: t / 60,
        cost: cost * 0.2,
      },
      {
        type: 'model',
        model: { provider: 'openai', model: 'gpt-4o-mini' },
        promptTokens: 1000,
        completionTokens: 100,
        cost: cost * 0.3,
      },
      {
        type: 'voice',
        voice: { provider: '11labs', voiceId: 'sarah' },
        characters: transcript.length >> 1,
        cost: cost * 0.25,
      },
      { type: 'vapi', subType: 'normal', minutes: t / 60, cost: cost * 0.25 },
    ],
    customer: rand() < 0.5 ? { number, name: pick(rand, FIRST_NAMES) } : { number },
    phoneNumberId: pick(rand, PHONE_IDS),
    assistantId: ASSISTANT_IDS[assistant],
    phoneCallProvider: 'twilio',
    phoneCallProviderId: `CA${uuid(rand).replace(/-/g, '')}`,
    phoneCallTransport: 'pstn',
    artifact: {
      transcript,
      messages,
      messagesOpenAIFormatted: openAi,
      recording: {
        stereoUrl: `${recordingBase}-stereo.wav`,
        mono: {
          combinedUrl: `${recordingBase}-mono.wav`,
          assistantUrl: `${recordingBase}-assistant.wav`,
          customerUrl: `${recordingBase}-customer.wav`,
        },
      },
      recordingUrl: `${recordingBase}-mono.wav`,
      stereoRecordingUrl: `${recordingBase}-stereo.wav`,
      logUrl: `https://calllogs.vapi.ai/${id}.jsonl.gz`,
    },
    analysis: {
      summary: french
        ? 'Le correspondant a appelé pour prendre un rendez-vous ; un créneau a été proposé et confirmé.'
        : 'The caller asked to book an appointment; a slot was offered and confirmed.',
      successEvaluation: rand() < 0.8 ? 'true' : 'false',
    },
    monitor: { listenUrl: `wss://phone-call-websocket.aws-us-west-2-backend-production1.vapi.ai/${id}/listen` },
  };
  return { call, transcriptBytes: Buffer.byteLength(transcript, 'utf8') };
}
