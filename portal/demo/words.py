"""Word lists and text helpers the demo makes people's and companies' names, e-mail addresses
and web addresses from."""

from __future__ import annotations

import re
import unicodedata


def _words(text: str) -> tuple[str, ...]:
    return tuple(text.split())


NAMES = {
    "en_us": (
        "James Mary Michael Jennifer David Linda Robert Patricia Daniel Emily Kevin "
        "Jessica Brian Ashley Jason Sarah Ryan Megan Eric Lauren Marcus Olivia Tyler "
        "Hannah Andre Natalie Derek Rachel Jamal Grace",
        "Smith Johnson Williams Brown Jones Miller Davis Wilson Anderson Taylor Thomas "
        "Moore Jackson Martin Lee Thompson White Harris Clark Lewis Robinson Walker Young "
        "Allen King Wright Scott Green Baker Adams Nelson Hill Campbell Mitchell Roberts "
        "Carter Phillips Evans Turner Parker Collins Edwards Stewart Morris Murphy Cook "
        "Rogers Morgan Cooper Peterson Reed Bailey Kelly Howard Ward Brooks Bennett Gray "
        "Hughes Price Sanders Patel Nguyen Kim Chen Garcia Rodriguez",
    ),
    "en_gb": (
        "Oliver Amelia Harry Isla George Ava Jack Emily Charlie Sophie Thomas Lucy "
        "William Charlotte James Chloe Alfie Ella Freddie Poppy",
        "Smith Jones Taylor Brown Williams Wilson Johnson Davies Robinson Wright Thompson "
        "Evans Walker White Roberts Green Hall Wood Jackson Clarke Hughes Edwards Patel "
        "Khan Lewis Harrison Murray Kennedy Fraser Shaw",
    ),
    "de": (
        "Lukas Anna Jonas Lea Maximilian Sophie Felix Marie Leon Laura Paul Julia Tobias "
        "Katharina Florian Lena Sebastian Hannah Stefan Johanna",
        "Müller Schmidt Schneider Fischer Weber Meyer Wagner Becker Schulz Hoffmann Koch "
        "Richter Klein Wolf Schröder Neumann Schwarz Zimmermann Braun Krüger Hartmann "
        "Lange Werner Krause Lehmann Köhler Maier Huber",
    ),
    "fr": (
        "Lucas Emma Hugo Chloé Louis Léa Gabriel Manon Arthur Camille Jules Inès Nathan "
        "Sarah Théo Juliette Antoine Claire Mathieu Élodie",
        "Martin Bernard Dubois Thomas Robert Richard Petit Durand Leroy Moreau Simon "
        "Laurent Lefebvre Michel Garcia David Bertrand Roux Vincent Fournier Morel Girard "
        "Bonnet Dupont Lambert Fontaine Rousseau Blanc Guérin Faure",
    ),
    "es": (
        "Alejandro Lucía Pablo María Javier Carmen Daniel Laura Sergio Marta Adrián Elena "
        "Carlos Paula Diego Sara Álvaro Cristina Miguel Irene",
        "García Fernández González Rodríguez López Martínez Sánchez Pérez Gómez Martín "
        "Jiménez Ruiz Hernández Díaz Moreno Muñoz Álvarez Romero Navarro Torres Domínguez "
        "Vázquez Ramos Gil Serrano Molina Ortega Delgado Castro Ortiz",
    ),
    "it": (
        "Marco Giulia Alessandro Francesca Luca Chiara Matteo Sara Lorenzo Martina Andrea "
        "Elena Davide Valentina Federico Alessia Simone Giorgia Riccardo Silvia",
        "Rossi Russo Ferrari Esposito Bianchi Romano Colombo Ricci Marino Greco Bruno "
        "Gallo Conti Mancini Costa Giordano Rizzo Lombardi Moretti Barbieri",
    ),
    "nl": (
        "Daan Emma Sem Julia Lucas Sophie Levi Tess Thijs Anna Jesse Lotte Bram Fleur "
        "Ruben Sanne Lars Eva Niels Iris",
        "Jansen Visser Smit Meijer Mulder Bos Vos Peters Hendriks Dekker Brouwer Bakker "
        "Janssen Kok Jacobs Vermeulen Willems Schouten Hoekstra Koster",
    ),
    "sv": (
        "Erik Elsa Lars Maja Johan Astrid Anders Ingrid Nils Sofia Karl Linnea Oskar "
        "Freja Magnus Ebba",
        "Andersson Johansson Karlsson Nilsson Eriksson Larsson Olsson Persson Svensson "
        "Gustafsson Lindberg Lindqvist Berg Holm Lund Sandberg",
    ),
    "ja": (
        "Haruto Yui Sota Hina Yuto Aoi Ren Sakura Takumi Mei Kenji Yuki Daiki Emi Hiroshi Naomi",
        "Sato Suzuki Takahashi Tanaka Watanabe Ito Yamamoto Nakamura Kobayashi Kato "
        "Yoshida Yamada Sasaki Yamaguchi Matsumoto Inoue Kimura Hayashi Shimizu Mori",
    ),
    "zh": (
        "Wei Jun Hao Jian Kai Ying Ming Lina Xinyi Meiling Huimin Zhiwei Shufen Jiahui",
        "Tan Lim Lee Ng Wong Chan Chen Goh Chua Ong Koh Teo Lau Cheung Ho Leung Zhang "
        "Wang Liu Yang",
    ),
    "in": (
        "Aarav Priya Arjun Ananya Rohan Kavya Vikram Neha Rahul Sneha Aditya Pooja Karan "
        "Divya Sanjay Meera",
        "Sharma Patel Singh Kumar Gupta Reddy Iyer Nair Mehta Shah Rao Joshi Desai Menon "
        "Kapoor Bhat",
    ),
    "en_au": (
        "Jack Charlotte Oliver Olivia William Mia Noah Ruby Lachlan Chloe Cooper Isla "
        "Liam Zoe Ethan Matilda",
        "Smith Jones Williams Brown Wilson Taylor Johnson White Martin Anderson Thompson "
        "Nguyen Ryan Kelly Walsh O'Brien Campbell Stewart",
    ),
    "pt_br": (
        "Gabriel Ana Lucas Beatriz Matheus Júlia Rafael Mariana Pedro Larissa Gustavo "
        "Camila Felipe Fernanda Bruno Carolina Thiago Isabela",
        "Silva Santos Oliveira Souza Rodrigues Ferreira Alves Pereira Lima Gomes Costa "
        "Ribeiro Martins Carvalho Almeida Lopes Araújo Barbosa Rocha Cardoso",
    ),
    "es_latam": (
        "Santiago Valentina Mateo Camila Sebastián Isabella Nicolás Sofía Diego Mariana "
        "Andrés Daniela Gabriela Felipe Paula Emiliano Renata Joaquín",
        "Hernández García Martínez López González Rodríguez Pérez Sánchez Ramírez Torres "
        "Flores Rivera Gómez Díaz Vargas Castillo Morales Reyes Jiménez Ruiz",
    ),
}
NAMES = {key: (_words(first), _words(last)) for key, (first, last) in NAMES.items()}

STEMS_A = _words(
    "North Blue Silver Harbor Summit Pioneer Evergreen Granite Crescent Maple Cedar Atlas "
    "Beacon Clear Bright Iron Golden Red Oak Pine River Lake Stone Falcon Eagle Hawk "
    "Sterling Union Liberty Meridian Vista Nova Alpine Coastal Prairie Highland Sun Star "
    "Willow Aspen"
)
STEMS_B = _words(
    "wind peak field ridge point gate bridge brook haven crest wood view line way port mark "
    "light core"
)
INDUSTRY_WORDS = {
    "banking": ("Bank", "Financial", "Savings Bank", "Capital", "Trust"),
    "insurance": ("Insurance", "Mutual", "Assurance", "Life"),
    "healthcare": ("Health", "Medical", "Clinics", "Care"),
    "retail": ("Retail", "Stores", "Market", "Outfitters", "Home"),
    "manufacturing": ("Industries", "Manufacturing", "Machinery", "Components", "Materials"),
    "software": ("Software", "Labs", "Systems", "Technologies", "Cloud"),
    "telecom": ("Telecom", "Networks", "Mobile", "Communications"),
    "public_sector": ("Agency", "Public Services", "Transit Authority", "Water Board"),
    "energy": ("Energy", "Power", "Utilities", "Renewables"),
    "logistics": ("Logistics", "Freight", "Shipping", "Transport"),
    "media": ("Media", "Studios", "Broadcasting", "Publishing"),
    "education": ("University", "College", "Academy", "Institute"),
}
GENERIC_WORDS = ("Group", "Holdings", "Partners", "Company")


def _ascii(text: str) -> str:
    for umlaut, plain in (("ä", "ae"), ("ö", "oe"), ("ü", "ue"), ("ß", "ss")):
        text = text.replace(umlaut, plain).replace(umlaut.upper(), plain.capitalize())
    return unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()


def local_part(text: str) -> str:
    return re.sub(r"[^a-z0-9]", "", _ascii(text).lower())


def slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", _ascii(text).lower()).strip("-")
