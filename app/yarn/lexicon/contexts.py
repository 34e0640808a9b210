"""Harmless contexts: the words around a risk phrase that make it everyday talk
(a rule's `unless` and `softened_by` parts), the set phrases blanked before any
rule runs (HARMLESS), and the word sets that decide whose risk it is.
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
