/**
 * Names, numbers and the clinic itself: the raw material of the transcript generator. Names deliberately carry
 * accents and letters an ASCII-only parser or a naive search would mangle (é è ç ô ï ñ ø ë å ł).
 */
import type { Rng } from '../lib/rng';

export type Language = 'fr' | 'en';

export const FIRST_NAMES_FR = [
  'Hélène',
  'François',
  'Joëlle',
  'Maëlle',
  'Loïc',
  'Anaïs',
  'Jérôme',
  'Françoise',
  'Benoît',
  'Clémence',
  'Noël',
  'Zoé',
  'Héloïse',
  'Gaëtan',
  'Chloé',
  'Raphaël',
  'Léa',
  'Thérèse',
  'Aurélien',
  'Océane',
  'Mathéo',
  'Inès',
  'Josué',
  'Éloïse',
  'Cécile',
  'Stéphane',
  'Maïwenn',
  'Yaël',
  'Sébastien',
  'Agnès',
  'Aïcha',
  'Karim',
  'Mélanie',
  'Rémi',
  'Solène',
  'Grégoire',
  'Nathanaël',
  'Bérénice',
  'Timothée',
  'Marguerite',
];
export const LAST_NAMES_FR = [
  'Dufresne',
  'Lefèvre',
  'Côté',
  'Benoît',
  'Gagné',
  'Bélanger',
  'Mercier',
  'Garçon',
  'Lemaître',
  'Fournier',
  'Château',
  'Hébert',
  'Pelletier',
  'Bouchard',
  'Leroy',
  'Rousseau',
  'Martineau',
  'Laforêt',
  'Brûlé',
  'Desrosiers',
  'Ben Saïd',
  'Nguyễn',
  'Da Conceição',
  'Mokhtari',
  "L'Héritier",
  'Saint-Exupéry',
  'Lamoureux',
  'Faure',
  'Boëdec',
  'Aubépine',
];
export const FIRST_NAMES_EN = [
  'Zoë',
  'Søren',
  'Begoña',
  'Iñaki',
  'Björn',
  'Chloë',
  'Renée',
  'Ørjan',
  'José',
  'Mónica',
  'Liam',
  'Olivia',
  'Noah',
  'Amelia',
  'Priya',
  'Kwame',
  'Siobhán',
  'Niamh',
  'Dmitri',
  'Astrid',
  'Ethan',
  'Grace',
  'Mateo',
  'Aoife',
  'Yusuf',
  'Hannah',
  'Luís',
  'Małgorzata',
  'Tomás',
  'Eilidh',
];
export const LAST_NAMES_EN = [
  'Østergaard',
  'Muñoz',
  'Núñez',
  'Kowalczyk',
  "O'Connor",
  'Smith-Jones',
  'Brontë',
  'Åkesson',
  'Peña',
  'Çelik',
  'Walker',
  'Thompson',
  'Nakamura',
  'Okafor',
  'MacLeod',
  'Fitzgerald',
  'Ibáñez',
  'Nørgaard',
  'Dvořák',
  'Schäfer',
  'Patel',
  'Rossi',
  'Haddad',
  'Lindqvist',
  'Wiśniewski',
  'García',
  'Moreau',
  'Chen',
  'Ferreira',
  'Ó Súilleabháin',
];

export interface Doctor {
  name: string;
  /** How a receptionist says it: "la docteure Marchand" / "Dr. Marchand". */
  fr: string;
  en: string;
  specialty: { fr: string; en: string };
}

export const DOCTORS: Doctor[] = [
  {
    name: 'Élodie Marchand',
    fr: 'la docteure Marchand',
    en: 'Dr. Marchand',
    specialty: { fr: 'médecine générale', en: 'general practice' },
  },
  {
    name: 'Søren Østergaard',
    fr: 'le docteur Østergaard',
    en: 'Dr. Østergaard',
    specialty: { fr: 'pédiatrie', en: 'pediatrics' },
  },
  {
    name: 'Ramón Núñez',
    fr: 'le docteur Núñez',
    en: 'Dr. Núñez',
    specialty: { fr: 'médecine générale', en: 'general practice' },
  },
  {
    name: 'Aïcha Benali',
    fr: 'la docteure Benali',
    en: 'Dr. Benali',
    specialty: { fr: 'gynécologie', en: 'gynecology' },
  },
  {
    name: 'François Côté',
    fr: 'le docteur Côté',
    en: 'Dr. Côté',
    specialty: { fr: 'dermatologie', en: 'dermatology' },
  },
];

export interface ClinicProfile {
  name: { fr: string; en: string };
  assistantName: string;
  address: string;
  phone: string;
  hours: { fr: string; en: string };
  doctors: Doctor[];
}

export const CLINIC: ClinicProfile = {
  name: { fr: 'Cabinet médical des Tilleuls', en: 'Les Tilleuls Medical Practice' },
  assistantName: 'Ava',
  address: '14 rue des Tilleuls, 69003 Lyon',
  phone: '+33478000000',
  hours: {
    fr: 'du lundi au vendredi de 8 h à 19 h, et le samedi matin de 9 h à 12 h',
    en: 'Monday to Friday from 8 am to 7 pm, and Saturday mornings from 9 to noon',
  },
  doctors: DOCTORS,
};

export interface Person {
  first: string;
  last: string;
  full: string;
  language: Language;
  /** E.164, sometimes a foreign number. */
  phone: string;
}

export function personFor(rng: Rng, language: Language): Person {
  const mixed = rng.chance(0.15);
  const useFr = mixed ? language !== 'fr' : language === 'fr';
  const first = rng.pick(useFr ? FIRST_NAMES_FR : FIRST_NAMES_EN);
  const last = rng.pick(rng.chance(0.5) ? LAST_NAMES_FR : LAST_NAMES_EN);
  return { first, last, full: `${first} ${last}`, language, phone: phoneFor(rng, language) };
}

/** n random decimal digits. */
function digits(rng: Rng, n: number): string {
  let out = '';
  for (let k = 0; k < n; k++) out += String(rng.int(0, 9));
  return out;
}

export function phoneFor(rng: Rng, language: Language): string {
  if (language === 'fr') {
    const r = rng.next();
    if (r < 0.7) return `+336${digits(rng, 8)}`;
    if (r < 0.85) return `+337${digits(rng, 8)}`;
    if (r < 0.95) return `+334${digits(rng, 8)}`;
    return `+32${rng.int(4, 4)}${digits(rng, 8)}`;
  }
  const r = rng.next();
  if (r < 0.45) return `+447${digits(rng, 9)}`;
  if (r < 0.8) return `+1${rng.pick(['514', '415', '212', '617', '604'])}${digits(rng, 7)}`;
  if (r < 0.9) return `+353${rng.pick(['85', '86', '87'])}${digits(rng, 7)}`;
  return `+34${rng.pick(['6', '7'])}${digits(rng, 8)}`;
}

/** How a phone number is read out: "06 12 34 56 78" / "07 700 900 123". */
export function spokenPhone(phone: string, language: Language): string {
  if (phone.startsWith('+33')) {
    const national = '0' + phone.slice(3);
    return national.replace(/(\d{2})(?=\d)/g, '$1 ').trim();
  }
  const rest = phone.replace(/^\+\d{1,3}/, '');
  return language === 'fr' ? rest.replace(/(\d{3})(?=\d)/g, '$1 ') : rest.replace(/(\d{3})(?=\d{4})/g, '$1-');
}

/** "D-U-F-R-E-S-N-E", with accented letters named the way people spell them on the phone. */
export function spelled(name: string, language: Language): string {
  const letters = [...name.replace(/[\s'-]/g, '')];
  const parts = letters.map((c) => {
    const lower = c.toLowerCase();
    const accents: Record<string, { fr: string; en: string }> = {
      é: { fr: 'E accent aigu', en: 'E with an acute accent' },
      è: { fr: 'E accent grave', en: 'E with a grave accent' },
      ê: { fr: 'E accent circonflexe', en: 'E with a circumflex' },
      ë: { fr: 'E tréma', en: 'E with two dots' },
      ï: { fr: 'I tréma', en: 'I with two dots' },
      ô: { fr: 'O accent circonflexe', en: 'O with a circumflex' },
      ç: { fr: 'C cédille', en: 'C cedilla' },
      ñ: { fr: 'N tilde', en: 'N with a tilde' },
      ø: { fr: 'O barré', en: 'O with a slash through it' },
      å: { fr: 'A rond en chef', en: 'A with a ring' },
      ł: { fr: 'L barré', en: 'L with a stroke' },
      ü: { fr: 'U tréma', en: 'U umlaut' },
      á: { fr: 'A accent aigu', en: 'A with an acute accent' },
      í: { fr: 'I accent aigu', en: 'I with an acute accent' },
      ó: { fr: 'O accent aigu', en: 'O with an acute accent' },
      ú: { fr: 'U accent aigu', en: 'U with an acute accent' },
      ű: { fr: 'U double accent', en: 'U with a double accent' },
    };
    const named = accents[lower];
    return named ? named[language] : c.toUpperCase();
  });
  return parts.join('-');
}

export const EMOJI = ['🙏', '👍', '😊', '🙂', '😅', '❤️', '👌', '😷', '🤒', '📅', '😬', '🤞', '✅', '🎉'];

export const MEDICATIONS = [
  'Doliprane 1000',
  'Lévothyrox 75',
  'Ventoline',
  'Amoxicilline',
  'Kardégic',
  'Metformine 850',
  'Spasfon',
  'Euthyrox',
  'Inexium 20',
  'Seretide',
  'Lamaline',
  'Bisoprolol 2,5',
];

export const INSURERS_FR = ['la MGEN', 'Harmonie Mutuelle', 'la Macif', 'AG2R', 'Malakoff Humanis', 'la CPAM du Rhône'];
export const INSURERS_EN = [
  'Bupa',
  'AXA Global Healthcare',
  'Cigna',
  'Allianz Care',
  'a European Health Insurance Card',
];

export const REASONS = {
  fr: [
    'une angine qui ne passe pas',
    'des douleurs au dos depuis une semaine',
    'un renouvellement de certificat pour le sport',
    'de la fièvre chez ma fille depuis hier soir',
    'une éruption sur le bras',
    'un suivi de tension',
    'des vertiges le matin',
    'une toux sèche qui dure',
    'une visite de contrôle après mon opération',
    'un bilan sanguin à faire prescrire',
  ],
  en: [
    "a sore throat that won't go away",
    'back pain for about a week',
    'a rash on my arm',
    'a check-up for my blood pressure',
    'my son has had a fever since last night',
    'some dizziness in the mornings',
    'a follow-up after my surgery',
    'a cough that has been dragging on',
    'a sports medical certificate',
    'a blood test I need a prescription for',
  ],
} as const;
