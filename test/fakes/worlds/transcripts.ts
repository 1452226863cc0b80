/**
 * A seeded generator of receptionist conversations for the clinic domain, in French and English: appointments,
 * rescheduling, cancellations, prescriptions, opening hours, insurance, test results, emergencies, wrong numbers,
 * messages for a doctor, directions, billing, vaccinations, voicemail (outbound reminders), hang-ups and silence,
 * plus a few very long calls (hundreds of turns). Callers hesitate, spell accented names, change their minds,
 * switch language, and some type emoji into the chat-like channel. Same (seed, index) → same conversation.
 */
import { Rng } from '../lib/rng';
import {
  CLINIC,
  type ClinicProfile,
  type Doctor,
  EMOJI,
  INSURERS_EN,
  INSURERS_FR,
  type Language,
  MEDICATIONS,
  type Person,
  REASONS,
  personFor,
  spelled,
  spokenPhone,
} from './people';

export type { Language } from './people';

export type Scenario =
  | 'book'
  | 'reschedule'
  | 'cancel'
  | 'prescription'
  | 'hours'
  | 'insurance'
  | 'results'
  | 'emergency'
  | 'wrong-number'
  | 'message'
  | 'directions'
  | 'billing'
  | 'vaccination'
  | 'hang-up'
  | 'silence'
  | 'voicemail'
  | 'dropped'
  | 'long';

export interface Turn {
  role: 'bot' | 'user';
  text: string;
}

export interface Conversation {
  language: Language;
  scenario: Scenario;
  direction: 'inbound' | 'outbound';
  caller: Person;
  /** Whether the caller gave their name (a summary then uses it). */
  callerNamed: boolean;
  systemPrompt: string;
  firstMessage: string;
  turns: Turn[];
  summary: string;
  endedReason: string;
  successEvaluation: 'true' | 'false';
  structuredData: Record<string, string | boolean | null>;
}

export const SCENARIO_WEIGHTS: Record<Exclude<Scenario, 'long'>, number> = {
  book: 24,
  reschedule: 11,
  cancel: 6,
  prescription: 10,
  hours: 7,
  insurance: 5,
  results: 6,
  emergency: 3,
  'wrong-number': 4,
  message: 5,
  directions: 4,
  billing: 3,
  vaccination: 3,
  'hang-up': 4,
  silence: 2,
  voicemail: 3,
  dropped: 1,
};

export interface ConversationOptions {
  language?: Language;
  scenario?: Scenario;
  /** When the call happens (ms); dates in the dialogue are relative to it. */
  at: number;
  clinic?: ClinicProfile;
  /** Approximate number of turns for a `long` call (default 200–420). */
  longTurns?: number;
}

const FR_DAY = new Intl.DateTimeFormat('fr-FR', {
  weekday: 'long',
  day: 'numeric',
  month: 'long',
  timeZone: 'Europe/Paris',
});
const EN_DAY = new Intl.DateTimeFormat('en-GB', {
  weekday: 'long',
  day: 'numeric',
  month: 'long',
  timeZone: 'Europe/Paris',
});

interface Slots {
  [key: string]: string;
}

interface Style {
  hesitant: boolean;
  emoji: boolean;
  terse: boolean;
  polite: boolean;
}

const FILLERS = {
  fr: ['euh', 'bah', 'alors', 'ben', 'hum', 'du coup', 'en fait', 'voilà'],
  en: ['um', 'uh', 'so', 'well', 'like', 'you know', 'right', 'okay so'],
} as const;

class Dialogue {
  readonly turns: Turn[] = [];
  /** Whether the caller gave their name (see `identify`). */
  named = false;

  constructor(
    readonly rng: Rng,
    public lang: Language,
    readonly slots: Slots,
    readonly style: Style,
  ) {}

  bot(options: readonly string[]): void {
    this.turns.push({ role: 'bot', text: fill(this.rng.pick(options), this.slots) });
  }

  user(options: readonly string[]): void {
    let text = fill(this.rng.pick(options), this.slots);
    if (this.style.hesitant && this.rng.chance(0.35)) {
      const filler = this.rng.pick(FILLERS[this.lang]);
      text = `${capitalize(filler)}… ${lowerFirst(text)}`;
    }
    if (this.style.emoji && this.rng.chance(0.3)) text = `${text} ${this.rng.pick(EMOJI)}`;
    this.turns.push({ role: 'user', text });
  }

  /** A misunderstanding: the assistant asks again, the caller repeats. */
  maybeRepeat(probability: number): void {
    if (!this.rng.chance(probability)) return;
    this.bot(this.lang === 'fr' ? FR.sorry : EN.sorry);
    this.user(this.lang === 'fr' ? FR.repeat : EN.repeat);
  }
}

const compiled = new Map<string, string[]>();

/** Fills `{slot}` placeholders. Templates are split once (even indexes literal, odd indexes slot names). */
function fill(template: string, slots: Slots): string {
  let parts = compiled.get(template);
  if (parts === undefined) {
    parts = template.split(/\{(\w+)\}/);
    compiled.set(template, parts);
  }
  let out = parts[0]!;
  for (let i = 1; i < parts.length; i += 2) {
    const key = parts[i]!;
    out += (slots[key] ?? `{${key}}`) + parts[i + 1]!;
  }
  return out;
}

function capitalize(s: string): string {
  return s.charAt(0).toUpperCase() + s.slice(1);
}

function lowerFirst(s: string): string {
  if (/^(I|I'm|I'd|I'll|I've)\b/.test(s)) return s;
  return s.charAt(0).toLowerCase() + s.slice(1);
}

// ------------------------------------------------------------------------------------------------------------------
// Phrase banks. {clinic} {assistant} {doctor} {first} {last} {full} {day} {day2} {time} {time2} {phone} {dob}
// {reason} {drug} {insurer} {spelled} {address} {hours} {child}

const FR = {
  greet: [
    '{clinic}, bonjour ! Je suis {assistant}, l’assistante virtuelle du cabinet. Comment puis-je vous aider ?',
    'Bonjour et bienvenue au {clinic}. Ici {assistant}, que puis-je faire pour vous ?',
    '{clinic}, {assistant} à votre écoute. En quoi puis-je vous aider aujourd’hui ?',
  ],
  askName: [
    'Très bien. Puis-je avoir votre nom et votre prénom, s’il vous plaît ?',
    'D’accord. C’est à quel nom ?',
    'Je m’en occupe. Pouvez-vous me donner votre nom complet ?',
  ],
  giveName: ['{full}.', 'C’est {full}.', 'Oui, alors {last}, {first} {last}.', '{first} {last}, {last} en un mot.'],
  askSpell: [
    'Pouvez-vous m’épeler votre nom de famille ?',
    'Je veux être sûre de bien l’écrire : vous pouvez épeler {last} ?',
  ],
  giveSpell: ['{spelled}.', 'Alors, {spelled}.', 'Oui : {spelled}. On se trompe souvent.'],
  askDob: ['Et votre date de naissance ?', 'Quelle est votre date de naissance, pour retrouver votre dossier ?'],
  giveDob: ['Le {dob}.', '{dob}.', 'Je suis né le {dob}.', 'Le {dob}, oui.'],
  found: [
    'Merci, j’ai bien retrouvé votre dossier.',
    'Parfait, je vous ai trouvé.',
    'C’est bon, votre dossier est ouvert.',
  ],
  newPatient: [
    'Je ne trouve pas de dossier à ce nom. Est-ce votre première visite au cabinet ?',
    'Vous n’êtes pas encore patient chez nous, c’est bien ça ?',
  ],
  yesNew: [
    'Oui, je viens d’emménager à Lyon.',
    'Oui, c’est la première fois.',
    'Oui, mon médecin habituel est parti à la retraite.',
  ],
  wantBook: [
    'Bonjour, je voudrais prendre rendez-vous avec {doctor}, s’il vous plaît.',
    'Oui bonjour, c’est pour un rendez-vous, pour {reason}.',
    'Bonjour madame, j’aurais besoin de voir un médecin assez rapidement, j’ai {reason}.',
    'Salut, euh, je voudrais un rendez-vous cette semaine si possible.',
    'Bonjour, est-ce qu’il y aurait de la place avec {doctor} ? C’est pour {reason}.',
  ],
  askReason: [
    'Bien sûr. C’est pour quel motif ?',
    'Entendu. Pouvez-vous m’indiquer brièvement le motif de la consultation ?',
  ],
  giveReason: ['C’est pour {reason}.', 'Pour {reason}.', 'Alors, j’ai {reason}, et ça commence à m’inquiéter.'],
  offer: [
    '{doctor} a une disponibilité {day} à {time}. Est-ce que cela vous convient ?',
    'Je peux vous proposer {day} à {time} avec {doctor}.',
    'Le premier créneau libre est {day} à {time}. Ça vous irait ?',
  ],
  refuse: [
    'Ah non, {day} je travaille. Vous n’auriez pas plutôt en fin de journée ?',
    'C’est un peu tard pour moi… Il n’y a rien avant ?',
    'Hum, non, ce jour-là je garde les enfants.',
    'Est-ce qu’il y aurait quelque chose le matin plutôt ?',
  ],
  offer2: [
    'Sinon, j’ai {day2} à {time2}.',
    'Dans ce cas, {day2} à {time2}, est-ce mieux ?',
    'Je regarde… Il reste {day2} à {time2}.',
  ],
  accept: ['Parfait, {time2} c’est très bien.', 'Oui, ça me va.', 'Super, je prends.', 'D’accord, on fait comme ça.'],
  acceptFirst: ['Oui, {time} c’est parfait.', 'Très bien, je prends ce créneau.', 'Ça me va, merci.'],
  confirm: [
    'C’est noté : rendez-vous {when} avec {doctor}. Vous recevrez un SMS de confirmation au {phone}.',
    'Je vous confirme votre rendez-vous {when} avec {doctor}. Un rappel vous sera envoyé la veille.',
    'Votre rendez-vous est enregistré {when}. Pensez à apporter votre carte Vitale.',
  ],
  anythingElse: ['Puis-je faire autre chose pour vous ?', 'Autre chose ?', 'Avez-vous une autre question ?'],
  noThanks: [
    'Non, c’est tout, merci beaucoup.',
    'Non merci, bonne journée !',
    'Non, c’est parfait. Merci madame.',
    'Ça ira, merci !',
  ],
  bye: [
    'Avec plaisir. Bonne journée et prenez soin de vous !',
    'Je vous en prie. Au revoir !',
    'Merci de votre appel, à bientôt au cabinet.',
  ],
  sorry: [
    'Pardon, je n’ai pas bien compris. Pouvez-vous répéter ?',
    'Excusez-moi, la ligne coupe un peu. Vous disiez ?',
    'Désolée, pourriez-vous reformuler ?',
  ],
  repeat: [
    'Je disais que c’était pour {reason}.',
    'Oui, pardon, je suis dans la rue. Je répète : {full}.',
    'Vous m’entendez mieux là ?',
  ],
  wantMove: [
    'Bonjour, j’ai un rendez-vous {day} avec {doctor} et je dois le décaler.',
    'Oui bonjour, je voudrais déplacer mon rendez-vous, j’ai un empêchement.',
    'Bonjour, c’est {first} {last}, je ne pourrai pas venir {day}, est-ce qu’on peut changer ?',
  ],
  foundAppt: [
    'Je vois votre rendez-vous {day} à {time} avec {doctor}. Quel jour vous arrangerait ?',
    'Effectivement, vous êtes inscrit {day} à {time}. Vous préférez quelle période ?',
  ],
  preferLater: ['Plutôt la semaine prochaine.', 'N’importe quel jour après 17 h.', 'Le plus tôt possible, en fait.'],
  moved: [
    'C’est fait : votre rendez-vous est déplacé {day2} à {time2}. L’ancien créneau est libéré.',
    'Parfait, je vous ai mis {day2} à {time2} et j’ai annulé celui de {day}.',
  ],
  wantCancel: [
    'Bonjour, je dois annuler mon rendez-vous de {day}.',
    'Oui, c’est pour annuler un rendez-vous, je vais mieux finalement.',
    'Bonjour, je ne pourrai pas venir {day}, vous pouvez annuler ?',
  ],
  cancelled: [
    'C’est annulé. Merci de nous avoir prévenus, ça libère la place pour un autre patient.',
    'Votre rendez-vous de {day} est bien annulé.',
  ],
  wantRx: [
    'Bonjour, j’aurais besoin d’un renouvellement d’ordonnance pour mon {drug}.',
    'Oui bonjour, mon traitement de {drug} se termine, est-ce que le docteur peut me refaire une ordonnance ?',
    'Bonjour, c’est pour mon {drug}, je n’en ai plus que pour trois jours.',
  ],
  rxPolicy: [
    'Pour un renouvellement, {doctor} doit valider la demande. Je la transmets, et l’ordonnance sera disponible sous 48 heures.',
    'Je transmets votre demande à {doctor}. Vous pourrez récupérer l’ordonnance à l’accueil ou la recevoir par e-mail.',
    'Attention, pour ce médicament une consultation est nécessaire tous les trois mois. Je vous propose plutôt un rendez-vous ?',
  ],
  rxPharmacy: [
    'Vous pouvez l’envoyer directement à ma pharmacie ?',
    'D’accord, par e-mail ce serait super.',
    'Ah, d’accord. Bon, alors un rendez-vous.',
  ],
  rxOk: ['C’est noté, je l’indique dans la demande.', 'Entendu, je le précise pour le docteur.'],
  askHours: [
    'Bonjour, vous êtes ouverts à quelle heure demain ?',
    'Oui bonjour, c’est juste pour connaître vos horaires.',
    'Bonjour, est-ce que le cabinet est ouvert le samedi ?',
  ],
  hours: [
    'Le cabinet est ouvert {hours}.',
    'Nous sommes ouverts {hours}. En dehors de ces horaires, appelez le 15 en cas d’urgence.',
    'Nos horaires :\nLundi à vendredi : 8 h – 19 h\nSamedi : 9 h – 12 h\nFermé le dimanche et les jours fériés.',
  ],
  hoursThanks: ['Ah super, merci.', 'D’accord, parfait.', 'Ok, et il faut prendre rendez-vous ou je peux passer ?'],
  walkIn: [
    'Nous ne faisons pas de consultation sans rendez-vous, mais je peux vous en trouver un aujourd’hui si vous voulez.',
    'Les consultations se font uniquement sur rendez-vous, sauf urgence.',
  ],
  askInsurance: [
    'Bonjour, est-ce que vous pratiquez le tiers payant avec {insurer} ?',
    'Oui, je voulais savoir si le docteur est conventionné secteur 1.',
    'Bonjour, j’ai oublié ma carte Vitale la dernière fois, comment je fais pour être remboursé ?',
  ],
  insurance: [
    'Oui, le cabinet pratique le tiers payant pour la part Sécurité sociale. Pour la mutuelle, cela dépend de votre contrat avec {insurer}.',
    'Tous nos médecins sont conventionnés secteur 1, sauf {doctor} qui est en secteur 2 avec dépassements d’honoraires.',
    'Pas de souci : nous vous ferons une feuille de soins papier, à envoyer à votre caisse.',
  ],
  wantResults: [
    'Bonjour, j’ai fait une prise de sang lundi, est-ce que les résultats sont arrivés ?',
    'Oui bonjour, je voulais savoir si {doctor} avait reçu mes résultats d’analyse.',
  ],
  results: [
    'Pour des raisons de confidentialité, je ne peux pas vous communiquer les résultats par téléphone. {doctor} vous rappellera s’il y a quoi que ce soit.',
    'Les résultats sont bien arrivés. Le médecin les consulte et vous recontacte si nécessaire ; sinon vous pouvez prendre un rendez-vous pour en parler.',
  ],
  emergency: [
    'Bonjour, mon mari a une douleur très forte dans la poitrine, il a du mal à respirer !',
    'Allô ? Ma fille est tombée, elle saigne beaucoup de la tête, qu’est-ce que je fais ?',
    'Bonjour, mon père fait un malaise, il ne répond plus vraiment…',
  ],
  emergencyAdvice: [
    'Il s’agit d’une urgence : raccrochez et appelez immédiatement le 15, ou le 112. Ne restez pas seul.',
    'Appelez tout de suite le SAMU au 15. Je préviens {doctor}, mais n’attendez pas notre rappel.',
  ],
  emergencyAck: ['D’accord, j’appelle le 15.', 'Ok ok, merci.', 'Oui, je raccroche.'],
  wrongNumber: [
    'Allô, c’est bien la pizzeria ?',
    'Bonjour, je cherche à joindre la mairie du 3e.',
    'Euh, c’est le garage Renault ?',
    'Bonjour, je voudrais parler à Monique.',
  ],
  notHere: [
    'Vous êtes au {clinic}, un cabinet médical. Je pense que vous vous êtes trompé de numéro.',
    'Non, ici c’est le {clinic}. Vérifiez le numéro, peut-être ?',
  ],
  oops: ['Ah pardon, excusez-moi !', 'Oh, désolé, bonne journée.', 'Ah mince. Merci, au revoir.'],
  wantMessage: [
    'Bonjour, je voudrais laisser un message pour {doctor}, c’est au sujet de mon traitement.',
    'Oui, est-ce que le docteur pourrait me rappeler ? C’est à propos de {reason}.',
  ],
  takeMessage: [
    'Bien sûr, je prends votre message. Je vous écoute.',
    'Je transmets. Quel est votre message pour {doctor} ?',
  ],
  message: [
    'Voilà, depuis que j’ai commencé le nouveau traitement j’ai des nausées le matin, et je voulais savoir si je dois continuer.',
    'C’est pour lui dire que la kiné s’est bien passée et que je n’ai plus mal, donc je ne sais pas si je garde le rendez-vous du mois prochain.',
    'Je voulais savoir si je peux prendre de l’ibuprofène avec mon traitement actuel.',
  ],
  messageTaken: [
    'C’est noté. {doctor} vous rappellera au {phone} d’ici demain soir.',
    'Message transmis. Si les symptômes s’aggravent, n’hésitez pas à rappeler ou à contacter le 15.',
  ],
  askWay: [
    'Bonjour, c’est pour savoir comment venir au cabinet en tram.',
    'Oui, est-ce qu’il y a un parking près de chez vous ?',
    'Bonjour, le cabinet est accessible en fauteuil roulant ?',
  ],
  way: [
    'Nous sommes au {address}. Le plus simple est le tram T4, arrêt Manufacture Montluc, à cinq minutes à pied.',
    'Il y a un parking public rue Rachais, à deux minutes. Le cabinet est au rez-de-chaussée, accessible aux fauteuils.',
  ],
  askBill: [
    'Bonjour, j’ai été débité deux fois pour la consultation de la semaine dernière.',
    'Oui, je n’ai pas reçu ma facture pour la mutuelle.',
  ],
  bill: [
    'Je suis désolée pour cela. Je transmets au secrétariat, qui vérifiera et vous recontactera pour le remboursement.',
    'Je peux vous renvoyer la facture par e-mail. À quelle adresse ?',
  ],
  email: ['{first}.{lastAscii}@gmail.com', 'C’est {lastAscii} point {firstAscii} arobase orange point fr.'],
  askVaccine: [
    'Bonjour, c’est pour le vaccin de la grippe, il faut prendre rendez-vous ?',
    'Oui bonjour, mon fils {child} doit faire son rappel de vaccin, c’est possible avec {doctor} ?',
  ],
  vaccine: [
    'Oui, la vaccination se fait sur rendez-vous. Je vous propose {day} à {time}. Pensez au carnet de santé.',
    'Bien sûr. {doctor} vaccine le mercredi après-midi. J’ai {day} à {time}, ça irait ?',
  ],
  hangUp: ['Allô ?', 'Oui… non rien, pardon.', 'Ah, c’est un robot…'],
  voicemailGreeting: [
    'Bonjour, vous êtes bien sur la messagerie de {first} {last}. Laissez-moi un message après le bip.',
    'Le correspondant que vous cherchez à joindre n’est pas disponible. Veuillez laisser un message après le signal sonore.',
  ],
  voicemailMessage: [
    'Bonjour {first}, ici {assistant} du {clinic}. Je vous rappelle votre rendez-vous {day} à {time} avec {doctor}. En cas d’empêchement, merci de nous rappeler. Bonne journée !',
    'Bonjour, ici le {clinic}. Nous avons bien reçu vos résultats ; {doctor} souhaiterait en parler avec vous. Merci de rappeler le cabinet pour prendre rendez-vous.',
  ],
  outboundGreet: [
    'Bonjour, ici {assistant} du {clinic}. Je vous appelle pour vous rappeler votre rendez-vous {day} à {time}.',
  ],
  stillThere: [
    'Vous êtes toujours là ?',
    'Allô ? Je vous entends mal.',
    'Je suis toujours en ligne, prenez votre temps.',
  ],
  stillHere: ['Oui oui, pardon, je cherchais mon agenda.', 'Oui, je suis là.', 'Excusez-moi, le chien aboyait.'],
  anotherOne: [
    'Et pendant que je vous ai, il faudrait aussi un rendez-vous pour {child}.',
    'Ah, et mon mari aussi doit venir pour son renouvellement.',
    'Attendez, j’ai une autre question : est-ce que vous faites les certificats pour le sport ?',
    'Et ma mère, elle peut venir avec moi au même rendez-vous ?',
  ],
  story: [
    'Alors je vous explique, parce que c’est un peu compliqué : la semaine dernière j’étais chez ma sœur à Villeurbanne, et là-bas j’ai commencé à avoir mal, et comme je ne connais personne là-bas…',
    'Vous savez, moi je viens au cabinet depuis vingt ans, à l’époque c’était encore le vieux docteur Girard, il me connaissait bien…',
    'Bon, et puis avec les travaux sur la ligne de tram, je ne sais même pas si je pourrai venir, il faudra que mon petit-fils m’emmène.',
    'Je note, je note… attendez, mon stylo ne marche plus. Voilà. Vous pouvez répéter l’heure ?',
  ],
  ack: ['Je comprends.', 'D’accord, je vous écoute.', 'Entendu.', 'Je note.', 'Bien sûr, prenez votre temps.'],
  english: ['Sorry, do you speak English?', 'Hello? English, please?'],
  switchEn: ['Of course! How can I help you today?'],
};

const EN = {
  greet: [
    'Hello, you’ve reached {clinic}. I’m {assistant}, the virtual assistant. How can I help?',
    'Good morning, {clinic}, this is {assistant}. What can I do for you today?',
    'Thanks for calling {clinic}. This is {assistant} — how may I help you?',
  ],
  askName: [
    'Sure. May I have your full name, please?',
    'Of course. What name is it under?',
    'Happy to help. Could you tell me your first and last name?',
  ],
  giveName: ['{full}.', 'It’s {full}.', '{first} {last}.', 'Yeah, {last}, {first} {last}.'],
  askSpell: ['Could you spell your last name for me?', 'Just to get it right, how do you spell {last}?'],
  giveSpell: ['{spelled}.', 'Sure, {spelled}.', 'It’s {spelled}. Everyone gets it wrong.'],
  askDob: ['And your date of birth?', 'Can I get your date of birth to find your file?'],
  giveDob: ['{dob}.', 'It’s {dob}.', 'Born {dob}.'],
  found: ['Thank you, I’ve found your file.', 'Great, I have you here.', 'Perfect, your record is open.'],
  newPatient: [
    'I can’t find a file under that name. Is this your first visit with us?',
    'It looks like you’re not registered with us yet — is that right?',
  ],
  yesNew: ['Yes, I just moved to Lyon.', 'Yes, first time.', 'Yeah, I’m here on a work contract for six months.'],
  wantBook: [
    'Hi, I’d like to book an appointment with {doctor}, please.',
    'Hello, I need to see a doctor, I have {reason}.',
    'Hi there, do you have anything this week? It’s for {reason}.',
    'Hey, um, can I make an appointment?',
    'Good morning, I’m calling to see if {doctor} has any openings.',
  ],
  askReason: ['Of course. What is the reason for the visit?', 'Sure. Could you briefly tell me what it’s about?'],
  giveReason: ['It’s for {reason}.', '{reason}, basically.', 'So I have {reason}, and it’s getting a bit worrying.'],
  offer: [
    '{doctor} is available on {day} at {time}. Does that work for you?',
    'I can offer you {day} at {time} with {doctor}.',
    'The first available slot is {day} at {time}. Would that suit you?',
  ],
  refuse: [
    'Oh, I’m at work on {day}. Anything later in the day?',
    'That’s a bit late for me… nothing earlier?',
    'Hmm, no, I have the kids that day.',
    'Would there be something in the morning instead?',
  ],
  offer2: [
    'Otherwise I have {day2} at {time2}.',
    'In that case, how about {day2} at {time2}?',
    'Let me look… there’s {day2} at {time2}.',
  ],
  accept: ['Perfect, {time2} works.', 'Yes, that’s fine.', 'Great, I’ll take it.', 'Okay, let’s do that.'],
  acceptFirst: ['Yes, {time} is perfect.', 'Great, I’ll take that one.', 'That works, thanks.'],
  confirm: [
    'All set: your appointment is {when} with {doctor}. You’ll get a text confirmation at {phone}.',
    'Confirmed — {when} with {doctor}. We’ll send a reminder the day before.',
    'You’re booked {when}. Please bring your insurance card or your EHIC.',
  ],
  anythingElse: ['Is there anything else I can help with?', 'Anything else?', 'Do you have any other questions?'],
  noThanks: [
    'No, that’s all, thank you so much.',
    'No thanks, have a good day!',
    'That’s it, cheers.',
    'All good, thanks!',
  ],
  bye: [
    'My pleasure. Take care and goodbye!',
    'You’re welcome. Bye now!',
    'Thanks for calling, see you at the practice.',
  ],
  sorry: [
    'Sorry, I didn’t quite catch that. Could you repeat?',
    'Apologies, the line is breaking up. You were saying?',
    'Sorry, could you rephrase that?',
  ],
  repeat: ['I said it’s for {reason}.', 'Sorry, I’m on the street. Again: {full}.', 'Can you hear me better now?'],
  wantMove: [
    'Hi, I have an appointment on {day} with {doctor} and I need to move it.',
    'Hello, I’d like to reschedule my appointment, something came up.',
    'Hi, it’s {first} {last}, I can’t make it on {day}, can we change it?',
  ],
  foundAppt: [
    'I can see your appointment on {day} at {time} with {doctor}. What day would suit you?',
    'Yes, you’re booked on {day} at {time}. When would you prefer?',
  ],
  preferLater: ['Sometime next week.', 'Any day after 5 pm.', 'As soon as possible, actually.'],
  moved: [
    'Done: your appointment is now on {day2} at {time2}. The old slot has been released.',
    'Perfect, I’ve moved you to {day2} at {time2} and cancelled the one on {day}.',
  ],
  wantCancel: [
    'Hi, I need to cancel my appointment on {day}.',
    'Hello, I’m calling to cancel an appointment, I’m feeling better actually.',
    'Hi, I won’t be able to come on {day}, could you cancel it?',
  ],
  cancelled: [
    'That’s cancelled. Thanks for letting us know — it frees the slot for another patient.',
    'Your appointment on {day} is cancelled.',
  ],
  wantRx: [
    'Hi, I need a repeat prescription for my {drug}.',
    'Hello, I’m running out of {drug}, could the doctor renew my prescription?',
    'Hi, it’s about my {drug}, I only have three days left.',
  ],
  rxPolicy: [
    'For a renewal, {doctor} needs to approve the request. I’ll pass it on and the prescription will be ready within 48 hours.',
    'I’ll send your request to {doctor}. You can pick the prescription up at reception or get it by email.',
    'For this medication a consultation is required every three months. Shall I book you an appointment instead?',
  ],
  rxPharmacy: ['Can you send it straight to my pharmacy?', 'Email would be great.', 'Oh, okay. An appointment then.'],
  rxOk: ['Noted, I’ve added that to the request.', 'Sure, I’ll mention it to the doctor.'],
  askHours: [
    'Hi, what time do you open tomorrow?',
    'Hello, I just wanted to check your opening hours.',
    'Hi, are you open on Saturdays?',
  ],
  hours: [
    'The practice is open {hours}.',
    'We’re open {hours}. Outside those hours, please call 15 or 112 in an emergency.',
    'Our hours:\nMonday to Friday: 8 am – 7 pm\nSaturday: 9 am – noon\nClosed on Sundays and public holidays.',
  ],
  hoursThanks: ['Great, thanks.', 'Okay, perfect.', 'Okay, and do I need an appointment or can I just walk in?'],
  walkIn: [
    'We don’t do walk-ins, but I can find you a slot today if you like.',
    'Consultations are by appointment only, except for emergencies.',
  ],
  askInsurance: [
    'Hi, do you accept {insurer}?',
    'Hello, I’m visiting from the UK — will my EHIC cover a consultation?',
    'Hi, I forgot my insurance card last time, how do I get reimbursed?',
  ],
  insurance: [
    'Yes. You’ll pay the consultation on the day and we’ll give you a form to claim it back from {insurer}.',
    'With an EHIC you’re covered under the French system; you pay upfront and claim back about seventy percent.',
    'No problem — we’ll give you a paper claim form to send to your insurer.',
  ],
  wantResults: [
    'Hi, I had a blood test on Monday, are the results in yet?',
    'Hello, I wanted to know if {doctor} has received my lab results.',
  ],
  results: [
    'For privacy reasons I can’t give results over the phone. {doctor} will call you back if anything needs attention.',
    'The results have arrived. The doctor is reviewing them and will contact you if needed; otherwise you can book an appointment to discuss them.',
  ],
  emergency: [
    'Hello, my husband has a terrible pain in his chest and he can’t breathe properly!',
    'Hello? My daughter fell and her head is bleeding a lot, what do I do?',
    'Hi, my dad just collapsed, he’s not really responding…',
  ],
  emergencyAdvice: [
    'This is an emergency: please hang up and call 15 or 112 right now. Don’t stay alone.',
    'Call the emergency services on 112 immediately. I’ll let {doctor} know, but don’t wait for our call back.',
  ],
  emergencyAck: ['Okay, calling now.', 'Okay okay, thank you.', 'Yes, hanging up.'],
  wrongNumber: [
    'Hi, is this the pizza place?',
    'Hello, I’m trying to reach the town hall.',
    'Uh, is this the Renault garage?',
    'Hi, can I speak to Monique?',
  ],
  notHere: [
    'You’ve reached {clinic}, a medical practice. I think you may have the wrong number.',
    'No, this is {clinic}. Maybe double-check the number?',
  ],
  oops: ['Oh sorry, my mistake!', 'Oops, sorry, have a good day.', 'Ah, right. Thanks, bye.'],
  wantMessage: [
    'Hi, I’d like to leave a message for {doctor}, it’s about my treatment.',
    'Hello, could the doctor call me back? It’s about {reason}.',
  ],
  takeMessage: ['Of course, I’ll take a message. Go ahead.', 'I’ll pass it on. What’s your message for {doctor}?'],
  message: [
    'Since I started the new medication I feel sick in the mornings, and I wanted to know whether I should keep taking it.',
    'Just to say physio went well and the pain is gone, so I’m not sure I need next month’s appointment.',
    'I wanted to check if I can take ibuprofen with my current treatment.',
  ],
  messageTaken: [
    'Noted. {doctor} will call you back at {phone} by tomorrow evening.',
    'Message passed on. If your symptoms get worse, call back or dial 15.',
  ],
  askWay: [
    'Hi, how do I get to the practice by tram?',
    'Hello, is there parking near you?',
    'Hi, is the practice wheelchair accessible?',
  ],
  way: [
    'We’re at {address}. The easiest is tram T4, stop Manufacture Montluc, five minutes on foot.',
    'There’s a public car park on rue Rachais, two minutes away. The practice is on the ground floor and wheelchair accessible.',
  ],
  askBill: ['Hi, I was charged twice for last week’s consultation.', 'Hello, I never got my invoice for my insurer.'],
  bill: [
    'I’m sorry about that. I’ll pass it on to the office, they’ll check and get back to you about the refund.',
    'I can email the invoice again. What address should I use?',
  ],
  email: ['{firstAscii}.{lastAscii}@gmail.com', 'It’s {firstAscii} underscore {lastAscii} at outlook dot com.'],
  askVaccine: [
    'Hi, for the flu jab, do I need an appointment?',
    'Hello, my son {child} needs his booster, can {doctor} do it?',
  ],
  vaccine: [
    'Yes, vaccinations are by appointment. I can offer {day} at {time}. Please bring the vaccination record.',
    'Of course. {doctor} does vaccinations on Wednesday afternoons. I have {day} at {time}, would that work?',
  ],
  hangUp: ['Hello?', 'Yeah… no, never mind, sorry.', 'Oh, it’s a robot…'],
  voicemailGreeting: [
    'Hi, you’ve reached {first} {last}. Leave a message after the beep.',
    'The person you are calling is not available. Please leave a message after the tone.',
  ],
  voicemailMessage: [
    'Hello {first}, this is {assistant} from {clinic}. Just a reminder of your appointment on {day} at {time} with {doctor}. If you can’t make it, please call us back. Have a nice day!',
    'Hello, this is {clinic}. We have your results and {doctor} would like to discuss them with you. Please call the practice to book a time.',
  ],
  outboundGreet: [
    'Hello, this is {assistant} from {clinic}, calling to remind you of your appointment on {day} at {time}.',
  ],
  stillThere: ['Are you still there?', 'Hello? I can barely hear you.', 'I’m still here, take your time.'],
  stillHere: ['Yes yes, sorry, I was looking for my diary.', 'Yes, I’m here.', 'Sorry, the dog was barking.'],
  anotherOne: [
    'And while I have you, I also need an appointment for {child}.',
    'Oh, and my husband needs to come in for his prescription too.',
    'Wait, one more question: do you do sports certificates?',
    'And my mum, can she come with me to the same appointment?',
  ],
  story: [
    'So let me explain, because it’s a bit complicated: last week I was at my sister’s in Villeurbanne, and that’s when it started hurting, and I don’t know anyone there…',
    'You know, I’ve been coming to the practice for twenty years, back when it was still old Dr. Girard, he knew me well…',
    'And with the tram works I don’t even know if I can get there, my grandson will have to drive me.',
    'I’m writing it down… hang on, my pen’s run out. Okay. Can you repeat the time?',
  ],
  ack: ['I understand.', 'Okay, I’m listening.', 'Got it.', 'Noted.', 'Of course, take your time.'],
  english: [],
  switchEn: [],
};

type Bank = typeof FR;

const dayNames = new Map<string, string>();

/** "mardi 14 mars" / "Tuesday 14 March" for a day (memoized: Intl formatting is slow). */
function dayName(ms: number, lang: Language): string {
  const key = `${lang}${Math.floor((ms + 3_600_000) / 86_400_000)}`;
  let name = dayNames.get(key);
  if (name === undefined) {
    name = (lang === 'fr' ? FR_DAY : EN_DAY).format(new Date(ms));
    if (dayNames.size > 20_000) dayNames.clear();
    dayNames.set(key, name);
  }
  return name;
}

function slotTimes(rng: Rng, at: number, lang: Language): Slots {
  const dayOffset = rng.int(1, 9);
  const day2Offset = dayOffset + rng.int(1, 6);
  const hour = rng.int(8, 18);
  const minute = rng.pick([0, 15, 30, 45]);
  const hour2 = rng.int(8, 18);
  const minute2 = rng.pick([0, 15, 30, 45]);
  const day = dayName(at + dayOffset * 86_400_000, lang);
  const day2 = dayName(at + day2Offset * 86_400_000, lang);
  const time = clockTime(hour, minute, lang);
  const time2 = clockTime(hour2, minute2, lang);
  const when = lang === 'fr' ? `le ${day} à ${time}` : `on ${day} at ${time}`;
  const when2 = lang === 'fr' ? `le ${day2} à ${time2}` : `on ${day2} at ${time2}`;
  return { day, day2, time, time2, when, when2 };
}

/** "14 h 30" / "2:30 pm". (Module-level rather than a closure per call: helpers stay cheap to call.) */
function clockTime(h: number, m: number, lang: Language): string {
  return lang === 'fr'
    ? `${h} h${m ? ' ' + String(m).padStart(2, '0') : ''}`
    : `${h > 12 ? h - 12 : h}${m ? ':' + String(m).padStart(2, '0') : ''} ${h >= 12 ? 'pm' : 'am'}`;
}

const MONTHS_FR = [
  'janvier',
  'février',
  'mars',
  'avril',
  'mai',
  'juin',
  'juillet',
  'août',
  'septembre',
  'octobre',
  'novembre',
  'décembre',
];
const MONTHS_EN = [
  'January',
  'February',
  'March',
  'April',
  'May',
  'June',
  'July',
  'August',
  'September',
  'October',
  'November',
  'December',
];

function dobFor(rng: Rng, lang: Language): string {
  const year = rng.int(1938, 2019);
  const month = rng.int(1, 12);
  const dayOfMonth = rng.int(1, 28);
  return lang === 'fr'
    ? `${dayOfMonth} ${MONTHS_FR[month - 1]} ${year}`
    : `${MONTHS_EN[month - 1]} ${dayOfMonth}, ${year}`;
}

const CHILD_NAMES: Record<Language, readonly string[]> = {
  fr: ['Timothée', 'Maëlys', 'Noé', 'Anaïs', 'Loïs'],
  en: ['Zoë', 'Mateo', 'Niamh', 'Søren', 'Ellie'],
};

const asciiCache = new Map<string, string>();

function ascii(s: string): string {
  let out = asciiCache.get(s);
  if (out === undefined) {
    out = toAscii(s);
    asciiCache.set(s, out);
  }
  return out;
}

function toAscii(s: string): string {
  return s
    .normalize('NFD')
    .replace(/[\u0300-\u036f]/g, '')
    .replace(/ø/g, 'o')
    .replace(/Ø/g, 'O')
    .replace(/ł/g, 'l')
    .replace(/[^A-Za-z]/g, '')
    .toLowerCase();
}

const spelledCache = new Map<string, string>();

function spelledCached(name: string, lang: Language): string {
  const key = `${lang}:${name}`;
  let out = spelledCache.get(key);
  if (out === undefined) {
    out = spelled(name, lang);
    spelledCache.set(key, out);
  }
  return out;
}

/** Builds one conversation. Deterministic for a given rng state and options. */
export function generateConversation(rng: Rng, options: ConversationOptions): Conversation {
  const clinic = options.clinic ?? CLINIC;
  const lang: Language = options.language ?? (rng.chance(0.62) ? 'fr' : 'en');
  const scenario: Scenario = options.scenario ?? rng.weighted(SCENARIO_WEIGHTS);
  const caller = personFor(rng, lang);
  const doctor: Doctor = rng.pick(clinic.doctors);
  const style: Style = {
    hesitant: rng.chance(0.4),
    emoji: rng.chance(0.12),
    terse: rng.chance(0.25),
    polite: rng.chance(0.6),
  };
  let B: Bank = lang === 'fr' ? FR : (EN as unknown as Bank);
  const slots: Slots = {
    clinic: clinic.name[lang],
    assistant: clinic.assistantName,
    doctor: doctor[lang],
    first: caller.first,
    last: caller.last,
    full: caller.full,
    firstAscii: ascii(caller.first),
    lastAscii: ascii(caller.last),
    spelled: spelledCached(caller.last, lang),
    phone: spokenPhone(caller.phone, lang),
    dob: dobFor(rng, lang),
    reason: rng.pick(REASONS[lang]),
    drug: rng.pick(MEDICATIONS),
    insurer: rng.pick(lang === 'fr' ? INSURERS_FR : INSURERS_EN),
    address: clinic.address,
    hours: clinic.hours[lang],
    child: rng.pick(CHILD_NAMES[lang]),
    ...slotTimes(rng, options.at, lang),
  };
  const d = new Dialogue(rng, lang, slots, style);
  const firstMessage = fill(rng.pick(B.greet), slots);
  const systemPrompt = systemPromptFor(clinic, lang);
  let endedReason = rng.chance(0.55) ? 'customer-ended-call' : 'assistant-ended-call';
  let success = true;
  let direction: 'inbound' | 'outbound' = 'inbound';
  const data: CallData = { intent: scenario, language: lang, doctor: doctor.name };

  switch (scenario) {
    case 'book':
      if (lang === 'fr' && rng.chance(0.06)) {
        // A caller on the French line who needs English: the rest of the call is in English.
        d.user(FR.english);
        d.bot(FR.switchEn);
        B = EN as unknown as Bank;
        d.lang = 'en';
        Object.assign(slots, slotTimes(rng, options.at, 'en'), {
          clinic: clinic.name.en,
          doctor: doctor.en,
          spelled: spelledCached(caller.last, 'en'),
          reason: rng.pick(REASONS.en),
          dob: dobFor(rng, 'en'),
        });
        data.languageSwitch = true;
      }
      d.user(B.wantBook);
      if (rng.chance(0.5)) {
        d.bot(B.askReason);
        d.user(B.giveReason);
      }
      d.maybeRepeat(0.2);
      identify(d, B, caller.last, data);
      booking(d, B, data);
      closing(d, B);
      break;
    case 'reschedule':
      d.user(B.wantMove);
      identify(d, B, caller.last, data);
      d.bot(B.foundAppt);
      d.user(B.preferLater);
      d.bot(B.moved);
      data.appointment = slots.when2!;
      closing(d, B);
      break;
    case 'cancel':
      d.user(B.wantCancel);
      identify(d, B, caller.last, data);
      d.bot(B.cancelled);
      closing(d, B);
      break;
    case 'prescription':
      d.user(B.wantRx);
      identify(d, B, caller.last, data);
      d.bot(B.rxPolicy);
      d.user(B.rxPharmacy);
      d.bot(B.rxOk);
      data.medication = slots.drug!;
      closing(d, B);
      break;
    case 'hours':
      d.user(B.askHours);
      d.bot(B.hours);
      d.user(B.hoursThanks);
      if (rng.chance(0.5)) d.bot(B.walkIn);
      if (rng.chance(0.5)) {
        d.user(B.noThanks);
        d.bot(B.bye);
      }
      break;
    case 'insurance':
      d.user(B.askInsurance);
      d.bot(B.insurance);
      d.maybeRepeat(0.3);
      closing(d, B);
      break;
    case 'results':
      d.user(B.wantResults);
      identify(d, B, caller.last, data);
      d.bot(B.results);
      closing(d, B);
      break;
    case 'emergency':
      d.user(B.emergency);
      d.bot(B.emergencyAdvice);
      d.user(B.emergencyAck);
      endedReason = rng.chance(0.5) ? 'customer-ended-call' : 'assistant-forwarded-call';
      data.emergency = true;
      break;
    case 'wrong-number':
      d.user(B.wrongNumber);
      d.bot(B.notHere);
      d.user(B.oops);
      endedReason = 'customer-ended-call';
      success = false;
      break;
    case 'message':
      d.user(B.wantMessage);
      identify(d, B, caller.last, data);
      d.bot(B.takeMessage);
      d.user(B.message);
      d.bot(B.messageTaken);
      closing(d, B);
      break;
    case 'directions':
      d.user(B.askWay);
      d.bot(B.way);
      if (rng.chance(0.6)) closing(d, B);
      break;
    case 'billing':
      d.user(B.askBill);
      identify(d, B, caller.last, data);
      d.bot(B.bill);
      if (rng.chance(0.5)) d.user(B.email);
      closing(d, B);
      break;
    case 'vaccination':
      d.user(B.askVaccine);
      d.bot(B.vaccine);
      d.user(B.acceptFirst);
      identify(d, B, caller.last, data);
      slots.when = slots.when!;
      d.bot(B.confirm);
      closing(d, B);
      break;
    case 'hang-up':
      d.user(B.hangUp);
      if (rng.chance(0.5)) d.bot(B.stillThere);
      endedReason = 'customer-ended-call';
      success = false;
      break;
    case 'silence':
      if (rng.chance(0.5)) d.bot(B.stillThere);
      endedReason = 'silence-timed-out';
      success = false;
      break;
    case 'dropped':
      // The line failed before anyone spoke: no messages at all.
      endedReason = rng.pick([
        'twilio-failed-to-connect-call',
        'phone-call-provider-closed-websocket',
        'pipeline-error-openai-llm-failed',
      ]);
      success = false;
      break;
    case 'voicemail':
      direction = 'outbound';
      d.user(B.voicemailGreeting);
      d.bot(B.voicemailMessage);
      endedReason = 'voicemail';
      break;
    case 'long': {
      const target = options.longTurns ?? rng.int(200, 420);
      d.user(B.wantBook);
      identify(d, B, caller.last, data);
      while (d.turns.length < target) {
        const step = rng.int(0, 9);
        if (step <= 1) {
          d.user(B.story);
          d.bot(B.ack);
        } else if (step === 2) {
          d.bot(B.stillThere);
          d.user(B.stillHere);
        } else if (step === 3) {
          d.user(B.anotherOne);
          d.bot(B.askReason);
          d.user(B.giveReason);
        } else if (step === 4) {
          Object.assign(slots, slotTimes(rng, options.at, lang));
          booking(d, B, data);
        } else if (step === 5) {
          d.maybeRepeat(1);
        } else if (step === 6) {
          d.user(B.askHours);
          d.bot(B.hours);
        } else if (step === 7) {
          d.user(B.wantRx);
          d.bot(B.rxPolicy);
        } else if (step === 8) {
          d.user(B.askInsurance);
          d.bot(B.insurance);
        } else {
          d.user(B.askWay);
          d.bot(B.way);
        }
      }
      closing(d, B);
      endedReason = rng.chance(0.5) ? 'exceeded-max-duration' : 'customer-ended-call';
      break;
    }
  }

  return {
    language: lang,
    scenario,
    direction,
    caller,
    callerNamed: d.named,
    systemPrompt,
    firstMessage: direction === 'outbound' ? fill(rng.pick(B.outboundGreet), slots) : firstMessage,
    turns:
      scenario === 'dropped' || direction === 'outbound' ? d.turns : [{ role: 'bot', text: firstMessage }, ...d.turns],
    summary: summarize(lang, scenario, d.named ? caller.full : null, slots),
    endedReason,
    successEvaluation: success ? 'true' : 'false',
    structuredData: data,
  };
}

type CallData = Record<string, string | boolean | null>;

// The dialogue steps several scenarios share. (Module functions, not closures made for every conversation.)

/** The caller gives their name (spelled when unusual) and maybe their date of birth; their file is found or opened. */
function identify(d: Dialogue, B: Bank, last: string, data: CallData): void {
  const rng = d.rng;
  d.bot(B.askName);
  d.user(B.giveName);
  d.named = true;
  if (rng.chance(0.3) || /[^\x20-\x7e]/.test(last)) {
    if (rng.chance(0.6)) {
      d.bot(B.askSpell);
      d.user(B.giveSpell);
    }
  }
  if (rng.chance(0.6)) {
    d.bot(B.askDob);
    d.user(B.giveDob);
  }
  if (rng.chance(0.85)) {
    d.bot(B.found);
  } else {
    d.bot(B.newPatient);
    d.user(B.yesNew);
    data.newPatient = true;
  }
}

function closing(d: Dialogue, B: Bank): void {
  d.bot(B.anythingElse);
  d.user(B.noThanks);
  d.bot(B.bye);
}

/** An offer, maybe refused once or twice, then the confirmation. */
function booking(d: Dialogue, B: Bank, data: CallData): void {
  const { rng, slots } = d;
  d.bot(B.offer);
  const refusals = rng.chance(0.45) ? rng.int(1, 2) : 0;
  for (let i = 0; i < refusals; i++) {
    d.user(B.refuse);
    d.bot(B.offer2);
  }
  d.user(refusals ? B.accept : B.acceptFirst);
  slots.when = refusals ? slots.when2! : slots.when!;
  d.bot(B.confirm);
  data.appointment = refusals ? slots.when2! : slots.when!;
}

const prompts = new Map<string, string>();

function systemPromptFor(clinic: ClinicProfile, lang: Language): string {
  const key = `${lang}:${clinic.name.fr}:${clinic.assistantName}`;
  let prompt = prompts.get(key);
  if (prompt === undefined) {
    prompt = composeSystemPrompt(clinic, lang);
    prompts.set(key, prompt);
  }
  return prompt;
}

function composeSystemPrompt(clinic: ClinicProfile, lang: Language): string {
  return lang === 'fr'
    ? `Tu es ${clinic.assistantName}, l’assistante téléphonique du ${clinic.name.fr}.\nRéponds en français, poliment et brièvement.\nTu prends les rendez-vous, les demandes d’ordonnance et les messages pour les médecins.\nEn cas d’urgence vitale, demande d’appeler le 15 ou le 112.`
    : `You are ${clinic.assistantName}, the phone assistant of ${clinic.name.en}.\nAnswer in the caller's language, politely and briefly.\nYou book appointments, take prescription requests and messages for the doctors.\nIn a life-threatening emergency, tell the caller to dial 15 or 112.`;
}

const SUMMARIES: Record<Language, Record<Scenario, string>> = {
  fr: {
    book: '{caller} a appelé pour prendre rendez-vous avec {doctor}. Rendez-vous fixé {when}.',
    reschedule: '{caller} a déplacé son rendez-vous du {day} ; nouveau rendez-vous {when2}.',
    cancel: '{caller} a annulé son rendez-vous du {day}.',
    prescription: '{caller} demande le renouvellement de son ordonnance de {drug}. Demande transmise à {doctor}.',
    hours: '{caller} a demandé les horaires d’ouverture du cabinet.',
    insurance: '{caller} s’est renseigné sur le remboursement et le tiers payant ({insurer}).',
    results: '{caller} a demandé ses résultats d’analyse ; rappel prévu par {doctor}.',
    emergency: 'Appel d’urgence : l’appelant a été orienté vers le 15 / 112.',
    'wrong-number': 'Erreur de numéro, aucune action.',
    message: '{caller} a laissé un message pour {doctor} ; rappel au {phone}.',
    directions: '{caller} a demandé comment venir au cabinet.',
    billing: '{caller} signale un problème de facturation ; transmis au secrétariat.',
    vaccination: '{caller} a pris rendez-vous pour une vaccination {when}.',
    'hang-up': 'L’appelant a raccroché sans formuler de demande.',
    silence: 'Aucune réponse de l’appelant ; appel terminé pour silence.',
    voicemail: 'Messagerie atteinte ; message de rappel laissé pour le rendez-vous du {day}.',
    dropped: 'L’appel a échoué avant toute conversation.',
    long: 'Long appel de {caller} : plusieurs rendez-vous pour la famille, questions sur les horaires, l’ordonnance et l’accès au cabinet.',
  },
  en: {
    book: '{caller} called to book an appointment with {doctor}. Booked {when}.',
    reschedule: '{caller} moved their appointment from {day}; new appointment {when2}.',
    cancel: '{caller} cancelled their appointment on {day}.',
    prescription: '{caller} requested a repeat prescription for {drug}; passed on to {doctor}.',
    hours: "{caller} asked about the practice's opening hours.",
    insurance: '{caller} asked about insurance and reimbursement ({insurer}).',
    results: '{caller} asked for lab results; {doctor} will call back.',
    emergency: 'Emergency call: the caller was told to dial 15 / 112.',
    'wrong-number': 'Wrong number, no action needed.',
    message: '{caller} left a message for {doctor}; call back on {phone}.',
    directions: '{caller} asked for directions to the practice.',
    billing: '{caller} reported a billing issue; passed on to the office.',
    vaccination: '{caller} booked a vaccination {when}.',
    'hang-up': 'The caller hung up without a request.',
    silence: 'No response from the caller; call ended on silence.',
    voicemail: 'Reached voicemail; left a reminder for the appointment on {day}.',
    dropped: 'The call failed before any conversation.',
    long: 'Long call from {caller}: several family appointments, questions about hours, a prescription and access to the practice.',
  },
};

function summarize(lang: Language, scenario: Scenario, who: string | null, slots: Slots): string {
  slots.caller = who ?? (lang === 'fr' ? 'Un patient' : 'A caller');
  return fill(SUMMARIES[lang][scenario], slots);
}

/** Convenience for tests and the control API: a conversation from a seed alone. */
export function conversationFromSeed(
  seed: number,
  at: number,
  options: Partial<ConversationOptions> = {},
): Conversation {
  return generateConversation(Rng.of('conversation', seed), { at, ...options });
}
