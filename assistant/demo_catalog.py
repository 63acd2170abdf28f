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


# What a listing says each type of product is and does, and what each feature is for. Real listings say
# this; without it no description held "sleep", "grip" or "heart", and a need told as a use ("something
# to ease sore legs after a run") could be matched only through the encoders' knowledge of the world.
# Written blind (a copywriter's brief: the types and feature names, never a shopper's query or the
# evaluation needs), each use true of every product of its type, whatever its features: a feature is
# claimed only where the product has it (tests/assistant/test_demo_store.py holds the generator to that).
USES: dict[str, tuple[str, str, str]] = {
    # Running Shoes
    "Running Shoes": (
        "Running shoes are athletic shoes made for jogging and running, with a cushioned sole that absorbs impact with each stride.",
        "They are worn for daily training runs, treadmill sessions, gym workouts and everyday errands on foot.",
        "A pair of running shoes suits runners of any level, from beginners building a routine to people logging weekly miles.",
    ),
    "Trail Runners": (
        "Trail runners are running shoes built for off-road routes, with a lugged outsole that grips dirt, gravel, rock and mud.",
        "They are used for running and fast hiking on forest paths, mountain trails and uneven country tracks.",
        "The tougher upper and deep tread help runners keep their footing on loose ground, roots and rocky descents.",
    ),
    "Road Racers": (
        "Road racers are low-profile running shoes designed for racing and fast training on pavement and tarmac.",
        "Runners wear them for road races from 5K to the marathon, and for tempo runs and interval sessions.",
        "These shoes favour a responsive, efficient feel underfoot for runners who want to pick up the pace on hard surfaces.",
    ),
    # Hiking Boots
    "Hiking Boots": (
        "Hiking boots are sturdy outdoor boots with ankle support and a rugged, treaded sole for walking on trails.",
        "They are worn for day hikes, hillwalking and countryside rambles over rocky, muddy or uneven terrain.",
        "Walkers choose hiking boots for the extra support and grip they give on paths where ordinary shoes would slip or twist.",
    ),
    "Trekking Boots": (
        "Trekking boots are supportive, stiff-soled boots made for long walks and multi-day treks while carrying a loaded pack.",
        "They are used on backpacking trips, long-distance trails and mountain routes where terrain is rough for days at a time.",
        "The firm ankle support and rigid sole help reduce foot fatigue when covering many miles with a heavy load.",
    ),
    "Approach Shoes": (
        "Approach shoes are hybrid hiking and climbing shoes with sticky rubber soles for walking in to climbing routes.",
        "Climbers and scramblers wear them on rocky paths, boulder fields and easy rock where grip on stone matters.",
        "They combine the walking ability of a trail shoe with the edging and friction needed for scrambling on rock.",
    ),
    # Headphones
    "Wireless Headphones": (
        "Wireless headphones play audio from phones, tablets and computers: music, podcasts and calls.",
        "They are used for listening to music, podcasts and calls while commuting, working, exercising or relaxing at home.",
        "They suit listeners who want to move around freely while they listen.",
    ),
    "Earbuds": (
        "Earbuds are small headphones that sit inside the ear, delivering music, podcasts and calls in a compact form.",
        "People use them on commutes, at the gym, while travelling and anywhere a pocket-sized audio option is handy.",
        "Their small size makes earbuds easy to carry in a pocket or bag for listening on the go throughout the day.",
    ),
    "Over-Ear Headphones": (
        "Over-ear headphones have large ear cups that fully surround the ears, with a headband resting over the top of the head.",
        "They are used for long listening sessions with music, films and games, and for focused work at a desk.",
        "The enclosing ear cups and full-size drivers suit listeners who want a rich, immersive sound at home or while travelling.",
    ),
    # Coffee Makers
    "Drip Coffee Maker": (
        "A drip coffee maker heats water and drips it over ground coffee in a filter, collecting the brewed coffee in a carafe.",
        "It is used to make several cups of filter coffee at once for breakfast, households, offices and guests.",
        "This countertop appliance suits anyone who wants a simple, repeatable way to brew a pot of everyday coffee.",
    ),
    "Espresso Machine": (
        "An espresso machine forces hot water under pressure through finely ground coffee to make concentrated espresso shots.",
        "It is used at home or in small offices to prepare espresso and milk drinks such as lattes, cappuccinos and flat whites.",
        "This appliance suits coffee drinkers who want cafe-style espresso drinks in their own kitchen.",
    ),
    "Pour-Over Kettle": (
        "A pour-over kettle has a long, narrow spout that gives a slow, steady and precise stream of hot water.",
        "It is used for manual pour-over coffee brewing with a dripper and filter, and also for making tea.",
        "Home brewers use it to control how water is poured over the grounds, for an even extraction and consistent cup.",
    ),
    # Backpacks
    "Backpack": (
        "A backpack is a bag carried on both shoulders, with compartments for books, clothes, water and everyday items.",
        "It is used for school, work commutes, errands, weekend outings and light travel.",
        "Carrying the load on both shoulders spreads the weight across the back and keeps the hands free.",
    ),
    "Daypack": (
        "A daypack is a compact backpack sized to carry what is needed for a single day out.",
        "It holds water, snacks, a spare layer and essentials for day hikes, city walks, commutes and sightseeing.",
        "Daypacks suit walkers, hikers and commuters who need a manageable bag rather than a large expedition pack.",
    ),
    "Travel Pack": (
        "A travel pack is a larger backpack built to carry clothes and essentials for trips lasting several days or more.",
        "Travellers use it as luggage for flights, rail journeys, backpacking trips and weekends away.",
        "It offers an alternative to a rolling suitcase for stairs, cobbled streets, public transport and other places wheels struggle.",
    ),
    # Yoga & Fitness
    "Yoga Mat": (
        "A yoga mat provides a cushioned, dedicated surface for yoga poses, stretching and floor exercises.",
        "It is used for yoga classes, pilates, home workouts, meditation and core exercises on hard floors.",
        "The mat marks out a personal practice space and puts a layer between the body and the floor.",
    ),
    "Resistance Band Set": (
        "A resistance band set contains elastic bands of different tension levels for strength and mobility training.",
        "The bands are used for home workouts, mobility drills, stretching, physical therapy exercises and travel workouts.",
        "They let users build strength and increase difficulty gradually without needing heavy weights or gym machines.",
    ),
    "Foam Roller": (
        "A foam roller is a firm cylinder used for self-massage, rolling tight muscles against body weight to ease tension.",
        "It is used before workouts to loosen up and afterwards to help muscles recover from running, lifting and sport.",
        "Athletes, runners and desk workers use foam rollers to loosen stiff legs, backs and shoulders at home.",
    ),
    # Kitchen Knives
    "Chef's Knife": (
        "A chef's knife is an all-purpose kitchen knife with a broad, curved blade for chopping, slicing, dicing and mincing.",
        "It handles most daily kitchen prep, from vegetables and herbs to meat and fish.",
        "Home cooks and professionals alike rely on a chef's knife as the main knife for everyday cooking.",
    ),
    "Santoku Knife": (
        "A santoku knife is a Japanese-style kitchen knife with a flatter blade, well suited to slicing, dicing and mincing.",
        "It is used for precise, even cuts through vegetables, boneless meat and fish in everyday cooking.",
        "Its straighter edge suits an up-and-down chopping motion, making it an alternative to a chef's knife for daily prep.",
    ),
    "Knife Set": (
        "A knife set brings together several kitchen knives, each shaped for different cutting and preparation tasks.",
        "It covers everyday kitchen jobs such as chopping vegetables, carving meat, slicing bread and peeling fruit.",
        "A set suits new kitchens, home cooks replacing mismatched knives, and anyone wanting the right blade for each task.",
    ),
    # Smartwatches
    "Smartwatch": (
        "A smartwatch is a wrist-worn device that pairs with a phone to show the time, notifications, messages and calls.",
        "It is used to track daily activity and workouts, check alerts at a glance and run apps from the wrist.",
        "Smartwatches suit people who want to stay connected and follow their activity without constantly reaching for a phone.",
    ),
    "Fitness Tracker": (
        "A fitness tracker is a wrist-worn device that records daily activity such as steps, movement and workouts.",
        "It is used to monitor activity levels and sleep, and to follow progress toward personal fitness goals.",
        "Fitness trackers suit people who want a simple way to see how active they are each day.",
    ),
    "GPS Watch": (
        "A GPS watch is a sports watch that records distance, pace and route during outdoor activities.",
        "Runners, cyclists, hikers and triathletes use it to log training sessions and review their performance afterwards.",
        "It suits athletes who want accurate workout data on the wrist without carrying a phone.",
    ),
    # Rain Jackets
    "Rain Jacket": (
        "A rain jacket is an outer layer with a hood, worn to keep rain off the body and clothing.",
        "It is worn on wet commutes, dog walks, city days, hikes and travel in changeable weather.",
        "A rain jacket suits anyone who spends time outdoors and needs protection from showers and drizzle.",
    ),
    "Shell Jacket": (
        "A shell jacket is an uninsulated outer layer that protects against wind and wet weather over other clothing.",
        "It is worn for hiking, mountaineering, skiing and other outdoor activities as the top layer of a layering system.",
        "Because it carries no insulation, a shell can be worn over a base layer or fleece to suit the conditions.",
    ),
    "Packable Windbreaker": (
        "A packable windbreaker is a thin jacket that blocks wind and packs down small enough to fit in a bag.",
        "It is worn for running, cycling, walking and travel when a breeze or a cool spell calls for an extra layer.",
        "Its compact packed size means it can be carried all day and pulled on whenever the wind picks up.",
    ),
    # Skincare
    "Face Moisturizer": (
        "A face moisturizer hydrates the skin and helps maintain its moisture barrier to prevent dryness and tightness.",
        "It is applied to a clean face in the morning, evening or both as part of a daily skincare routine.",
        "Face moisturizer leaves skin feeling soft and smooth, and it works as a base before sunscreen or makeup.",
    ),
    "Gentle Cleanser": (
        "A gentle cleanser washes away dirt, oil, sweat and makeup from the face without stripping the skin.",
        "It is used morning and night as the first step of a skincare routine, before toner, serum or moisturizer.",
        "This mild face wash suits daily use and leaves the skin feeling clean and soft rather than tight.",
    ),
    "Mineral Sunscreen": (
        "A mineral sunscreen uses zinc oxide or titanium dioxide to shield the skin from the sun's ultraviolet rays.",
        "It is applied to the face and exposed skin before going outdoors to help prevent sunburn and sun damage.",
        "Mineral sunscreen is used daily, on beach days, during outdoor sport and under makeup as the last step of a morning routine.",
    ),
}

BENEFITS: dict[str, str] = {
    "waterproof": "so rain, puddles and spills stay on the outside",
    "lightweight": "so it adds very little weight to carry or wear",
    "quiet": "so it does not disturb people nearby",
    "durable": "so it holds up to years of regular use",
    "comfortable": "so it can be used for hours without discomfort",
    "wide fit": "leaving extra room so wider feet are not pinched",
    "runs small": "so many owners choose one size up from usual",
    "long battery": "so it needs charging less often",
    "noise cancelling": "to reduce background noise such as engines, traffic and chatter",
    "fast brewing": "so a fresh cup is ready with little waiting",
    "easy to clean": "so upkeep takes only a quick rinse or wipe",
    "sharp": "so it cuts cleanly from the very first use",
    "breathable": "letting heat and moisture escape to reduce sweaty buildup",
    "warm": "to hold in body heat on cold days",
    "gentle": "to reduce the chance of redness or irritation",
    "fragrance free": "with no added scent that could irritate or linger",
    "padded straps": "to spread the load and ease pressure on the shoulders",
    "laptop sleeve": "to keep a laptop protected and separate from other gear",
    "non-slip": "so it grips and stays in place during use",
    "gps": "to record routes, distance and pace without a phone",
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
