"""The vocabulary of the generated demo store: categories, brands, attributes and review phrases.

All names are made up for shopmate; any likeness to real brands is accidental.
"""

from __future__ import annotations

from dataclasses import dataclass

# Aspect -> (how a description states it, what a happy review says, what an unhappy review says)
ASPECTS: dict[str, tuple[str, str, str]] = {
    "waterproof": (
        "fully waterproof",
        "Stayed dry through a whole day of rain.",
        "Water got in after an hour of drizzle.",
    ),
    "lightweight": (
        "remarkably lightweight",
        "So light I forget I am carrying it.",
        "Heavier than the listing suggests.",
    ),
    "quiet": (
        "whisper quiet",
        "Really quiet, you barely hear it.",
        "Much louder than I expected, quite noisy.",
    ),
    "durable": (
        "built to last",
        "Still like new after a year of hard use.",
        "Started falling apart after a month.",
    ),
    "comfortable": (
        "all-day comfortable",
        "Comfortable from the first minute.",
        "Uncomfortable after an hour.",
    ),
    "wide fit": ("cut for wide feet", "Finally fits my wide feet.", "Runs narrow, too tight for wide feet."),
    "runs small": (
        "snug, close fit",
        "Snug fit, order half a size up.",
        "Runs small, had to return for a bigger size.",
    ),
    "long battery": ("long battery life", "Battery lasts for days.", "Battery dies too quickly."),
    "noise cancelling": (
        "active noise cancelling",
        "Noise cancelling blocks out the whole train.",
        "Noise cancelling barely works.",
    ),
    "fast brewing": ("brews in minutes", "Coffee ready in no time.", "Takes forever to brew a cup."),
    "easy to clean": ("easy to clean", "Rinses clean in seconds.", "A pain to clean, gunk everywhere."),
    "sharp": ("razor sharp out of the box", "Cuts tomatoes like butter.", "Dull after a few weeks."),
    "breathable": ("breathable", "Keeps me cool on long runs.", "Gets sweaty and hot quickly."),
    "warm": ("warm", "Toasty even in freezing wind.", "Not warm enough for real winter."),
    "gentle": (
        "gentle on sensitive skin",
        "No irritation at all on my sensitive skin.",
        "Made my skin red and itchy.",
    ),
    "fragrance free": ("fragrance free", "No smell, exactly what I wanted.", "Has a strong perfume smell."),
    "padded straps": (
        "padded straps",
        "Straps stay comfortable with a full load.",
        "Straps dig into my shoulders.",
    ),
    "laptop sleeve": (
        "a padded laptop sleeve",
        "Laptop sleeve fits my 15 inch perfectly.",
        "Laptop sleeve is too small.",
    ),
    "non-slip": ("non-slip", "Grippy even when I sweat.", "Slippery once it gets sweaty."),
    "gps": ("built-in GPS", "GPS locks fast and tracks accurately.", "GPS drifts and loses signal."),
}


@dataclass(frozen=True, slots=True)
class CategorySpec:
    path: tuple[str, ...]
    nouns: tuple[str, ...]
    price: tuple[float, float]
    brands: tuple[tuple[str, str], ...]  # (brand, tier) with tier in budget | mid | premium
    aspects: tuple[str, ...]
    attributes: dict[str, tuple[str, ...]]
    tags: tuple[str, ...]


COLORS = ("black", "white", "blue", "red", "green", "grey", "navy", "orange", "pink", "olive")
MODEL_WORDS = (
    "Aero",
    "Summit",
    "Nova",
    "Pulse",
    "Terra",
    "Flow",
    "Apex",
    "Drift",
    "Echo",
    "Vista",
    "Core",
    "Ridge",
    "Luma",
    "Zen",
    "Orbit",
    "Swift",
)
ADJECTIVES = ("Classic", "Pro", "Lite", "Plus", "Max", "Sport", "Everyday", "Travel", "Studio", "Trail")

CATEGORIES: tuple[CategorySpec, ...] = (
    CategorySpec(
        ("Sports & Outdoors", "Running Shoes"),
        ("Running Shoes", "Trail Runners", "Road Racers"),
        (45, 190),
        (("Stridewell", "mid"), ("Fleetfoot", "budget"), ("Kinetra", "premium"), ("Roadhaven", "mid")),
        ("lightweight", "breathable", "wide fit", "runs small", "waterproof", "comfortable"),
        {"color": COLORS, "terrain": ("road", "trail", "track"), "cushioning": ("firm", "balanced", "plush")},
        ("running", "fitness", "marathon"),
    ),
    CategorySpec(
        ("Sports & Outdoors", "Hiking Boots"),
        ("Hiking Boots", "Trekking Boots", "Approach Shoes"),
        (60, 260),
        (("Trailforge", "premium"), ("Northpeak", "mid"), ("Cragline", "budget"), ("Summitry", "premium")),
        ("waterproof", "durable", "comfortable", "wide fit", "lightweight", "warm"),
        {
            "color": ("brown", "black", "grey", "olive"),
            "height": ("low", "mid", "high"),
            "sole": ("rubber", "vibram-style"),
        },
        ("hiking", "outdoors", "camping"),
    ),
    CategorySpec(
        ("Electronics", "Headphones"),
        ("Wireless Headphones", "Earbuds", "Over-Ear Headphones"),
        (25, 380),
        (("Sonora Audio", "premium"), ("Quietwave", "mid"), ("Beatnik", "budget"), ("Auralis", "premium")),
        ("noise cancelling", "long battery", "comfortable", "lightweight", "durable"),
        {
            "color": ("black", "white", "silver", "blue"),
            "connection": ("bluetooth", "wired", "bluetooth + wired"),
        },
        ("music", "commuting", "audio"),
    ),
    CategorySpec(
        ("Home & Kitchen", "Coffee Makers"),
        ("Drip Coffee Maker", "Espresso Machine", "Pour-Over Kettle"),
        (30, 420),
        (
            ("Brewmont", "mid"),
            ("Kettle & Crane", "premium"),
            ("Morningcup", "budget"),
            ("Crema Lab", "premium"),
        ),
        ("quiet", "fast brewing", "easy to clean", "durable"),
        {"color": ("black", "silver", "white", "red"), "capacity": ("1 cup", "4 cups", "10 cups", "12 cups")},
        ("coffee", "kitchen", "morning"),
    ),
    CategorySpec(
        ("Bags & Travel", "Backpacks"),
        ("Backpack", "Daypack", "Travel Pack"),
        (25, 220),
        (("Packhaven", "mid"), ("Roamly", "budget"), ("Ironpine", "premium"), ("Wayfarer Co", "mid")),
        ("waterproof", "padded straps", "laptop sleeve", "lightweight", "durable"),
        {"color": COLORS, "capacity": ("15 L", "22 L", "30 L", "45 L")},
        ("travel", "commuting", "hiking"),
    ),
    CategorySpec(
        ("Sports & Outdoors", "Yoga & Fitness"),
        ("Yoga Mat", "Resistance Band Set", "Foam Roller"),
        (12, 140),
        (("Zenflex", "mid"), ("Lotusline", "premium"), ("Corebasics", "budget")),
        ("non-slip", "durable", "lightweight", "easy to clean", "comfortable"),
        {"color": ("purple", "teal", "black", "pink", "grey"), "thickness": ("3 mm", "5 mm", "8 mm")},
        ("yoga", "fitness", "home workout"),
    ),
    CategorySpec(
        ("Home & Kitchen", "Kitchen Knives"),
        ("Chef's Knife", "Santoku Knife", "Knife Set"),
        (18, 350),
        (("Edgecraft", "mid"), ("Hoshimi", "premium"), ("Slicewell", "budget")),
        ("sharp", "durable", "easy to clean", "lightweight"),
        {"steel": ("stainless", "carbon", "damascus"), "handle": ("wood", "resin", "steel")},
        ("cooking", "kitchen", "chef"),
    ),
    CategorySpec(
        ("Electronics", "Smartwatches"),
        ("Smartwatch", "Fitness Tracker", "GPS Watch"),
        (40, 520),
        (("Pulsewise", "mid"), ("Chronara", "premium"), ("Tickfit", "budget"), ("Orbitek", "premium")),
        ("long battery", "gps", "waterproof", "lightweight", "comfortable"),
        {"color": ("black", "silver", "rose gold", "blue"), "display": ("LCD", "AMOLED", "e-ink")},
        ("fitness", "running", "gadgets"),
    ),
    CategorySpec(
        ("Clothing", "Rain Jackets"),
        ("Rain Jacket", "Shell Jacket", "Packable Windbreaker"),
        (35, 330),
        (("Driftline", "mid"), ("Stormcrest", "premium"), ("Cloudbreak", "budget")),
        ("waterproof", "breathable", "lightweight", "warm", "durable"),
        {"color": COLORS, "size": ("S", "M", "L", "XL"), "fit": ("regular", "relaxed", "slim")},
        ("hiking", "outdoors", "travel"),
    ),
    CategorySpec(
        ("Beauty", "Skincare"),
        ("Face Moisturizer", "Gentle Cleanser", "Mineral Sunscreen"),
        (8, 95),
        (("Verdant Skin", "mid"), ("Purelle", "budget"), ("Aurum Botanics", "premium")),
        ("gentle", "fragrance free", "easy to clean"),
        {"skin type": ("dry", "oily", "combination", "sensitive"), "size": ("50 ml", "100 ml", "200 ml")},
        ("skincare", "beauty", "self-care"),
    ),
)

TIERS = ("budget", "mid", "premium")
# Where in its category's price range each tier's prices fall (fractions of the range).
TIER_SPAN = {"budget": (0.0, 0.35), "mid": (0.25, 0.65), "premium": (0.55, 1.0)}
