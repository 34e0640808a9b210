"""Harmless contexts: the words around a risk phrase that make it everyday talk
(a rule's `unless` and `softened_by` parts), the set phrases blanked before any
rule runs (HARMLESS), the contexts that clear every rule of a category
(CATEGORY_UNLESS), and the word sets that decide whose risk it is.
"""

from __future__ import annotations

# ---- contexts shared by several rules' `unless` ----------------------------------
HYPERBOLE_DIE = ("hungover", "hangover", "(if|when|once) (my crush|my crush ever|he|she|they|everyone|anyone|the boys|the girls|people|the whole school) ~2 (sees|see|finds out|find out|hears|watches|reads|notices)",
                  "die if we (lose|lost|do not|dont|win|miss)", "die if (we|they|the team|my team) (lose|lost|loses)", "die from embarrassment", "die of shame", "die from shame",
                  "die of", "die from", "die laughing", "dying laughing", "die my hair", "die her hair",
                  "die his hair", "die your hair", "die for a", "die for an", "die for some", "die for that",
                  "die for this", "die for my", "die for you", "die for them", "dying for", "dying to",
                  "rather die than", "we are going to die", "we are gonna die", "going to die at", "die at the",
                  "die at training", "beep test", "die at footy", "died laughing",
                  "die if i fail", "die if i do not", "die coughing", "died coughing", "nearly die",
                  "nearly died", "almost died", "thought i was going to die", "thought i would die",
                  "till we died", "till i die", "until we died", "die before", "die alone", "die in", "dead tired",
                  "dead set", "dead 2", "jk", "sarcasm", "dead after", "dying of",
                  "die inside", "died inside", "die of embarrassment", "die of boredom", "die of cringe",
                  "dead lol", "dead from", "cringe", "die for me", "die for him", "die for her", "die for us",
                  "would die for", "if i (eat|hear|see|watch|read|smell|get) ~3 (one more|another)", "tripped",
                  "fell over", "stacked it", "on stage", "embarrass",
                  "(song|movie|film|book|show|lyrics|episode|poem|story|album|track|series) ~4 about",
                  # "if mum sees my report card im gonna die", "if i have to sit thru another assembly"
                  "(if|when|once) (mum|dad|nan|pop|my mum|my dad|my parents|mum and dad|the teacher|my teacher|coach|my boss|aunty|uncle|my coach|the principal) ~1 (sees|see|finds out|find out|hears|hear|reads|notices|checks|gets|catches|catch|looks at|opens)",
                  "if i (have to|got to|need to|must|am forced to) ~5 (another|one more|again|more|any more|any longer)")
BODY_ALARM_HARMLESS = ("on the couch", "asleep on", "fell asleep", "hayfever", "car sick", "carsick", "sea sick",
                        "seasick", "in the heat", "from the heat", "bug", "gastro", "the flu", "food poisoning", "the dog",
                        "the cat", "puppy", "period", "pregnant", "morning sickness", "after training", "after the game")
FUN_PLACE = ("with the boys", "with the girls", "with my mates", "with the family", "with family", "with my cousins",
              "for photos", "for a photo", "for fun", "into the river", "into the water", "summer thing", "swim",
              "swimming", "fishing", "to get into town", "to get to", "walked", "photos", "picnic", "jetty with",
              "bombies", "this arvo with", "respawn", "map", "minecraft", "fortnite", "game", "flooded", "drove",
              "to my cousins place", "to school", "on the way", "near school", "to the shop", "view", "all arvo",
              "all day", "water was", "we (jumped|jump|were jumping|went jumping)", "waterhole", "swing",
              "with (the|my|our) (cousins|cousin|boys|girls|mates|crew|mob|kids|fam|family|sisters|brothers|friends|bros|sister|brother)",
              "water is (warm|nice|perfect|cold|freezing)", "waters (warm|nice|perfect|cold|freezing)", "high tide", "the tide")
GAMING = ("fortnite", "minecraft", "cod", "warzone", "roblox", "gta", "valorant", "apex", "in the game", "in game",
           "respawn", "lol", "haha", "xbox", "ps5", "playstation", "level", "boss", "lobby", "squad")
LEAVING = ("going out bush", "going away", "holiday", "holidays", "camping", "trip", "moving", "move to", "moved",
            "visit", "visiting", "going back to", "with family", "with my family", "footy camp", "school camp",
            "uni", "airport", "leaving for", "new school", "last day", "miss em", "miss them", "miss you", "going on", "going to darwin",
            "finishing", "finish year 12", "finishing year 12", "graduating", "graduation", "boarding school", "dorm",
            "end of term", "end of year", "schoolies",
            "going to town", "going to the city", "going to community", "going to nans", "going to my nans",
            "airstrip", "heading back", "going to miss", "miss my", "flight", "new house", "go bush", "going bush",
            "out bush", "no reception", "no signal", "no service", "when i am back", "when i get back",
            "see you when", "see ya when", "back on monday", "back next week")
# Hunting, fishing, the boat: knives, rope and rifles with a job to do (dev18-22: "sharpenin the knives tonight, goin for turtle").
HUNT_FISH = ("turtle", "dugong", "crabs", "mud crabs", "crabbing", "fish", "fishing", "the fish", "clean the fish", "pig hunting",
             "goanna", "roo", "roos", "hunting", "hunt", "the boat", "dinghy", "anchor", "the creek", "spearfishing", "cray",
             "crays", "barra", "bait", "the tinnie", "tinnie", "net", "cast net", "mangroves", "the reef", "pigs")
# Everyday medicine and kitchen knives next to words that read as means.
MEDICAL = ("for my headache", "for a headache", "had a headache", "got a headache", "packet says", "box says",
            "bottle says", "as directed", "period pain", "toothache", "for her sugar", "for his sugar",
            "for her heart", "for his heart", "sugar and heart", "dosette", "webster pack", "blood pressure", "diabetes")
KITCHEN = ("roast", "carving knife", "carving the", "butter knife", "bread knife", "chopping", "chop the",
            "cut the meat", "slice the", "veggies", "onions", "damper", "lose a finger", "for cooking", "cooking") + HUNT_FISH
GAMES = ("at cards", "cards", "uno", "chess", "monopoly", "at pool", "darts", "at footy", "at basketball",
          "at netball", "in the game", "at the game", "in fortnite", "at fortnite", "at smash", "mario kart")
SPORT = GAMES + ("footy", "training", "game", "semi", "final", "tackle", "boxing", "match", "fortnite", "cod", "warzone",
          "minecraft", "play fighting", "playfighting", "we won", "we killed", "on the field", "in the semi",
          "netball", "basketball", "league", "rugby", "soccer", "cricket", "gym", "sparring", "on the weekend")
# Beating someone at something: "reckons he can beat me in a race".
CONTEST = ("(beat|beats|beating|smash|smashes|thrash|thrashes|flog|flogs|whoop|destroy|destroys|kill|kills|bash) (me|us|him|her|you|them) (in|at) (a|the|) (race|game|match|cards|footy|basketball|netball|running|swimming|swim|arm wrestle|arm wrestling|chess|uno|maths|spelling|test|exam|fortnite|fifa|2k|pool|darts|tennis|soccer|handball|sprint|sprints|quiz|trivia|monopoly|mario kart|rematch|one on one)",)
# Family sharing family photos: "mum put my baby photos on facebook".
FAMILY_POSTS = ("(mum|dad|nan|pop|aunty|uncle|grandma|grandad|my parents|mum and dad|my sister|my brother) ~2 (put|posted|post|shared|share|uploaded|upload|showed|show)",
                 "baby (photos|pics|pictures|photo|pic)", "family (photos|pics|photo)", "holiday (photos|pics)")
# What happens after death as culture and belief, said of people in general.
BELIEF = ("when (you|someone|somebody|people|a person|we|they|anyone) (finish up|pass|pass away|pass on|die|go)",
           "(spirit|spirits) ~2 (goes|go|return|returns|going) (back|home) (to|) (country|the land|the dreaming)",
           "(old people|elders|the old people|our old people) (say|says|said|believe|taught|teach|tell) ~3 (when|that)")
# Food and drink by the box or bottle: "ate the whole tub of icecream", "drank a whole bottle of coke".
FOOD_DRINK = ("lollies", "lolly", "chips", "biscuits", "tim tams", "chocolate", "chocolates", "icecream", "ice cream",
               "pizza", "cereal", "donuts", "cookies", "popcorn", "noodles", "water", "coke", "juice", "milk",
               "soft drink", "energy drink", "monster", "red bull", "cake", "shapes", "doritos", "grapes", "mangoes",
               "mango", "fruit", "snacks", "maccas", "kfc", "nuggets", "cheese", "bread", "weetbix", "cordial",
               "powerade", "gatorade", "fanta", "sprite", "pepsi", "gummies", "tic tacs", "mints", "gum", "fairy bread",
               "pringles", "twisties", "pie", "pies", "sausage rolls", "damper", "tea", "coffee", "icy poles",
               "of (grog|wine|vodka|rum|beer|goon|bourbon|whiskey|cider|alcohol|booze|cans|tequila|jack)")
# Sleeping in: "gonna sleep n not wake up till lunch tomorrow".
SLEEP_IN = ("(till|until|before|til) (lunch|lunchtime|noon|midday|10|11|12|1|2|the arvo|the afternoon|arvo|tomorrow|dinner|the weekend|monday)",
             "sleep in", "sleeping in", "school holidays", "no alarms", "no alarm", "alarm off", "turn my alarm off")
MEDIA = ("song", "movie", "book", "show", "lyrics", "film", "episode", "series", "album", "character", "the beat",
          "track", "on repeat", "netflix", "anime", "novel", "documentary", "tv")
# Risk as a topic (a lesson, a talk, a program), not the writer's own.
TOPIC_TALK = ("(lesson|class|talk|workshop|assembly|video|presentation|poster|assignment|session|program|unit|speaker|course|training|seminar|documentary|incursion|module) (on|about) ~3 (self harm|suicide|mental health|bullying|overdose|drugs|safety|wellbeing|staying safe)",
               "health class", "where to get help", "how to get help", "how to help", "how to help a", "warning signs",
               "awareness", "prevention", "taught us", "teaching us", "learnt about", "learned about", "learning about")
ASKED = ("(counsellor|doctor|nurse|psych|psychologist|worker|gp|teacher|mum|dad|nan|aunty) ~2 (asked|asks|asking|ask) (me|) (if|whether)",
          "i said nah and", "i said no and", "they asked if i")
SELF_HARM_HARMLESS = ASKED + ("barbed wire", "the fence", "clinic cleaned", "nurse cleaned", "shaving", "cooking", "making noodles", "on the stove", "by accident", "accidentally",
                       "on the oven", "with the knife when", "on the oysters", "from the oysters", "on a rock",
                       "on the rocks", "fishing", "at work", "in the kitchen", "chopping", "cutting onions",
                       "haircut", "my hair", "my fringe", "the kangaroo tail", "the meat", "the roo",
                       "cut myself some slack", "a slice", "a piece", "a big piece", "a chunk", "damper", "on the coals",
                       "at footy", "at training", "playing",
                       "skating", "riding", "bike", "tripped", "fell",
                       # knocks and bumps (dev18-22): "hit my head on the monkey bars lol, the office lady gave me an ice pack"
                       "monkey bars", "cupboard", "ice pack", "a lump", "theres a lump", "a bump", "the bunk", "top bunk", "the shelf")

# Parts of a message that are harmless whatever else is around them: blanked
# before the rules run. "Deadly" [CS], "gammon" [CS], "shame job" [KOO],
# "sorry business" [NQLC], praise like "you killed it" [KOO].
HARMLESS: tuple[str, ...] = (
    "suicide squad", "suicide sprint", "suicide sprints", "suicide run", "suicide runs", "suicide drill",
    "suicide drills", "did suicides", "do suicides", "doing suicides", "running suicides", "ran suicides",
    "(sprints|drills|laps|sprint|burpees) (n|and|) suicides", "suicides (at|after|before) (training|footy|practice|school)",
    "killed it", "killing it", "you killed it", "you are a killer", "a killer workout", "killer workout",
    "shame job", "dead tired", "shot (himself|herself|myself|yourself|themselves|themself) in the foot",
    "shoot (myself|yourself|himself|herself) in the foot", "dead set", "deadly", "kill for a", "could kill for",
    "murder a feed", "this exam is killing me", "killing me", "kills me", "killed me lol", "is killing me",
    "dying laughing", "killing myself laughing", "kill myself laughing",
    "(stab|stabbed|stabbing|stabs) (me|you|him|her|us|them|everyone|each other) in the back", "backstab", "backstabbed",
    "backstabbing", "backstabber", "back stabber", "back stabbing",
    "dead after", "phone died", "phone is dead", "battery died", "battery is dead",
    "(cut|cutting|cuts) (myself|yourself|me|him|her|them|us|ourselves) (some|a bit of|a little) slack",
    "dead on my feet", "dead on our feet", "dead on his feet", "dead on her feet",
    # Kriol "finish up" is to die [UNV], but school and work finish up too
    "finish up (year|school|work|uni|tafe|the season|the term|my shift|the shift|training|footy|ceremony|the ceremony|at|early|soon|then)",
    "(we|they) finish up ceremony",
    # dev18-22: ending a relationship, getting someone back for a prank, pushed to do better, old photos
    "(ended|ending|end|ends) (things|it) with (my|him|her|them|the|his|our) ~1 (bf|gf|boyfriend|girlfriend|ex|partner|him|her|them|)",
    "get (me|you|u|him|her|them|us) back for",
    "(cut|cutting|cuts) (myself|me|him|her|us|them) (a|some|another|the) (slice|piece|bit|chunk|wedge|lump) (of|)",
    "(pushes|pushed|pushing|push) (us|me) (cos|because|coz|to be|to do|to get|to try|to train|harder|at training|in training)",
    "(jump|jumped|jumping) (the|over the) (fence|gate|creek|puddle|drain|ditch)",
    "(yarning|yarnin) circle",
    # the round-5 review (dev30-37): topics talked about, not lived
    "(doco|documentary|lecture|talk|walk|awareness walk|awareness) (on|about|bout|for) ~3 (youth suicide|suicide|suicides|self harm|overdose|bullying|the boys we lost|them)",
    "(suicide|overdose|self harm|bullying) (prevention|awareness) (talk|walk|week|day|day at school|training|course||)",
    "(talked|talked about|talk|talked bout|told us) (about|bout|how to report it if) ~4 (bullying|suicide|self harm|someone threatens)",
    "lost ~2 (boys|people|young ones|mob) to suicide",
    "(losing|lost) (her|his|my|their|our) (brother|sister|son|daughter|mate|cousin|dad|mum|uncle|friend) to suicide",
    "(saying|say) sewerslide is cringe",
    "(dont|do not) (wanna|want to) live forever",
    "(ate|eaten|eating) (so much|too much|way too much|too many|way too many|heaps) ~8 (gonna die|going to die|i think i am going to die|feel like i am going to die)",
    "(going to|gonna) die if (he|she|they) (texts|text|replies|messages|calls|likes)",
    "(party|season|game|movie|footy|school|class|disco|dance|mango season) ~1 finish up",
    "finish up (all|late)",
    "(push|pushed|throw|threw) me in the (creek|pool|river|water|dam)",
    "unalive (this|that|the|a) (burger|pizza|feed|snack|plate)",
)

# Words before a risk phrase that put it on someone else ("my cousin said she
# wants to die"); "i"/"me" words put it on the writer.
THIRD_PERSON: frozenset[str] = frozenset((
    "he", "she", "they", "him", "her", "them", "his", "their", "hes", "shes", "friend", "mate", "cousin",
    "brother", "sister", "girlfriend", "boyfriend", "bestie", "best", "bf", "gf", "mum", "dad", "nan", "pop",
    "aunty", "uncle", "someone", "somebody", "bro", "sis", "partner", "kid", "son", "daughter", "classmate",
    "people", "bub", "guy", "girl", "man", "woman", "boy", "dude", "bloke", "lady", "character", "fella",
    "grandad", "grandpa", "grandma", "granny", "nana", "auntie", "stepdad", "stepmum",
))
FIRST_PERSON: frozenset[str] = frozenset(("i", "me", "my", "myself", "am", "mine", "im"))
# Things, not people: "my phone is about to die" is harmless.
OBJECTS: frozenset[str] = frozenset((
    "phone", "battery", "laptop", "computer", "car", "ute", "plant", "plants", "fish", "goldfish", "game", "show",
    "series", "wifi", "internet", "charger", "torch", "headphones", "ipad", "tablet", "console", "xbox", "ps5",
    "switch", "tv", "fridge", "bike", "motorbike", "engine", "tamagotchi", "character", "hero", "villain",
))
# Words that end the look-back for a subject (a new clause begins after them).
CLAUSE_BREAKS: frozenset[str] = frozenset(("|", "and", "but", "so", "because", "then", "also", "or", "if", "when"))

# Objects a "relapse", "streak" or "clean" can be about that are not self-harm.
HABITS = ("duolingo", "energy drinks", "energy drink", "shopping", "online shopping", "shoes", "maccas", "junk food",
          "soft drink", "coke", "durry", "smoke", "cigarettes", "chocolate", "lollies", "caffeine", "coffee", "tiktok", "screen time", "snapchat",
          "my nails", "biting my nails", "diet", "sugar", "takeaway", "uber eats", "vaping", "smokes")

# Contexts that clear every rule of a category, wherever it was written: the
# round-5 and round-6 false alarms (rules_round5.py, rules_round6.py), said with
# their neighbours. RULES (lexicon/__init__.py) adds them to every rule's `unless`.
CATEGORY_UNLESS: dict[str, tuple[str, ...]] = {
    "sextortion": ("falling off", "of me sleeping", "baby photos", "mouth open", "do her chores", "do his chores", "broke the"),
    "past_attempt": ("after a seizure", "all fine"),
    # "*": every category (a story, a haircut, a test that is not an attempt)
    "*": ("in zelda", "bridge level", "dyeing her hair", "dye her hair", "dyeing my hair", "with his girlfriend", "with her boyfriend", "romeo and juliet", "in drama", "cracking jokes", "cutting a fringe", "a fringe", "huntsman",
          "by sleeping on my face", "gym membership", "sewerslide is cringe", "mario kart", "jk its funny",
          "(first|second|last|my) attempt at (the|my|a) (trade|driving|test|exam|recipe|cake|trick)",
          "tried to ride", "bus left without me", "the same dress", "song one more time", "pacman", "power pills",
          "worm tablets", "(for|to) (basketball|footy|netball|softball) (comp|carnival|trip)"),
    "self_harm_relapse": HABITS + ("gaming", "staying up", "durry", "patches", "for prevention"),
    "bullying_or_threats": ("threatened to take my phone", "threatening to take my phone", "threatening to steal my room", "falling off my", "if im on it", "water balloons", "with water", "mum says she ll cry", "mum says shell cry", "police sorted it", "all over now", "it stopped", "told the police and", "role play", "kill (us|me) with", "threatened to unfollow", "threatening to take my phone", "threatening to beat my", "to beat my high score",
                            "got banned", "got perma banned",
                            "used to get bullied", "used to be bullied", "but it stopped", "school sorted it",
                            "in that show", "the bullies in that", "called me a legend", "calls me a couch potato",
                            "out to get me", "cupboard", "cupboards", "little cousins", "on the trampoline",
                            "(test|exam|assignment|maths|homework|essay|smell|project|worker) ~4 (gonna|going to|will|gona|is going to) kill me"),
    "passive_death_wish": ("on time", "sleep forever this weekend", "so tired from", "from exams", "holidays im", "this christmas", "for christmas", "up in darwin", "for my alarm", "disappear to", "disappear into my bed", "disappear under my", "for a weekend without", "sleep in day",
                           "before 11", "before 10", "after that camp", "after camp", "zero sleep", "live forever"),
    "hopelessness": ("(no hope|no future|hopeless) (for|in) (the|our|me playing|my singing)", "this year", "that show", "the ending", "need a new", "need new", "sleep schedule", "the dog keeps", "the fact that", "still no maccas", "canteen food", "alarm is useless", "years ago my", "helped heaps", "but now im proud", "bush walk", "no aircon", "coffees", "beep test", "this puzzle", "better than", "in this game",
                     "in my degree", "stopped updating", "cook rice", "going home for", "take notes"),
    "goodbye_or_note": ("see u at", "see you at", "see u after", "see you after", "see u tmrw", "see you tomorrow", "mum says phone off", "got deleted", "resend", "before surgery", "data runs out", "group chat, good luck", "good luck next", "valedictory", "bye forever (braces|year|school|homework|maths)", "before my phone dies", "before i lose reception", "before phones go in", "to the landlord",
                        "left me on read", "from me in the", "winding the club", "to this semester", "good riddance",
                        "no signal", "grew out of", "for daycare", "allergies"),
    "someone_else_concern": ("it stopped", "told the police", "good now", "old toys", "lil kids", "little kids", "saying goodbye to the", "saying goodbye to my old", "fly back", "new one comes", "so fun", "goalkicker", "our team", "this season", "locked safe", "locked up in the safe", "carolina reaper", "moving to", "apprenticeship", "stable", "cracking jokes", "ages ago", "been good for",
                             "to help others", "romeo and juliet", "in drama", "in english", "broncos", "jersey"),
    "means_or_method": ("toothache", "for a burger", "carb counting", "worm tablets", "mangoes", "for my tooth", "for headache", "for a headache", "while breastfeeding", "can kids have", "contraceptive",
                        "the gp said", "caffeine", "drag name", "energy drinks", "locked in the safe", "lives in his safe", "locked in the gun safe",
                        "bog", "bogged", "troopy out", "researching", "essay", "public health"),
    "burden": ("better off if (the|that|they|we|our)", "worksheet", "played like", "in the kitchen", "asking mum for a lift", "at the gym", "kick is", "pay them in snacks", "cant drive", "if i skipped", "brothers singing"),
    "someone_else_now": ("band aid", "bandaid on", "can opener", "and hes fine", "and shes fine", "he s fine", "she s fine", "vitamin", "gummies", "is stuck on the", "bridge of the ferry", "deckhand", "of the bathroom", "takes forever", "seizure meds", "seizure free", "keppra", "gun in fortnite", "nearly passed out", "almost passed out", "needle", "bungee", "cross country", "head clash",
                         "nearly drown", "nearly drowned", "pull him out", "pulled him out", "fine now", "new fences",
                         "locked us out of the wifi", "lollies", "the dance", "a fringe", "huntsman"),
    "abuse_or_unsafe": ("storms", "thunder", "to steal my", "to wake me", "to check my sugars", "my dog keeps", "nurse comes", "it was just", "by the waves", "on my bike", "kill (us|me) with", "(coach|pt|teacher|miss|sir) ~4 kill (us|me)", "(hit|hurt) my head at", "nightmare", "scared of the storm", "to show me", "missing tooth", "by a ball", "softball", "bjj",
                        "jiu jitsu", "choked out at"),
    "attempt": ("bleach the bathroom", "(overdose|overdosed|od) (on|of) (red frogs|lollies|sun|sugar|chocolate|choccy|easter eggs|coffee|caffeine|netflix|tiktok)", "kill me with", "tryin to kill me", "trying to kill me with", "awareness walk", "awareness", "huntsman", "spider", "cockroach", "the cat keeps", "my fringe",
                "own fringe", "pacman", "power pills", "all arvo"),
    "plan_or_means_now": ("state of origin", "tonights the night (state|origin|the game|grand final|formal)", "edge of my seat", "rope access", "abseil", "abseilin", "abseiling", "barber", "my fade", "phone in the sea", "pill box", "like the doc said", "for my tooth", "pump checked", "adhd meds", "took my meds this mornin", "took my meds this morning", "edge of the pool", "edge of the map", "pool to jump in", "never coming", "bogged", "the bog"),
    "self_harm_now": ("the cat", "from the cat", "the bush", "lantana", "walking through", "chasing the footy", "hot chips", "snag tongs", "can opener", "(hurt|hit) (myself|my head) at (netball|touch|footy|training|basketball|soccer|rugby|league)", "on a cut", "weight cut", "cutting weight", "tutorial on", "years ago but", "been good for ages", "bbq", "cold water", "mangroves", "climbing", "dentist", "tooth", "abattoir", "lecture",
                      "how to support", "cake"),
    "suicidal_intent": ("song one more time", "die on this hill", "dead to the world", "dead meat", "basketball comp", "footy comp", "netball comp", "(warning signs|signs) of suicide", "song suicidal", "in gta", "suicide mission", "gym membership", "(phone|battery) ~6 (about to die|going to die)"),
}
