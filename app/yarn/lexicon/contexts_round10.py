"""Round 10 (dev72-83, the voices in docs/risk-evaluation.md). Its false alarms
came in families, cleared here by the words around them: hard times told as
over ("i used to feel hopeless but now i got a job", "my sister used to self
harm but she's been clean for two years"), helping a mate learnt at school or
camp (a role play, a video, "ask them straight up"), things called hopeless
(the bus, the wifi, the ref), knocks and threats between family and mates said
as jokes ("nan said she'll kill me if i dont do the dishes lol"), sport scores
("we got bashed by 60 points"), notes and goodbyes for ordinary reasons (to
mum "saying i went to training", to a coach who is leaving), trains watched,
ropes and pills used as meant, and hyperbole ("im so full im gonna die").

As in contexts_round9.py, UNLESS joins the `unless` of every rule of its
category ("*": every rule); each context is written for one category and none
clears a message that says the hard time is back ("doing it again"). Hard times
told as over clear only the categories they were found in (never "*": a message
can say "i used to feel like that but now" and then something that is not over).
"""

from __future__ import annotations

# A hard time told as over, of the writer or of someone else: the "now" half says it is behind them.
_OVER_NOW = ("used to ~4 but ~5 (heaps better|way better|so much better|better now|doing good|doing great|doing better|"
             "good now|ok now|in a good place|better spot|way happier|got a job|love who i am|learning to like me)",
             "(been|is) clean ~3 (a year|over a year|two years|2 years|3 years|three years|a long time)",
             "(got|getting) help and (is|he is|she is|they are|now)", "in therapy now", "now (a|is a|she is a|he is a) peer support",
             "now (he|she) helps", "now he is seeing someone", "now she is at uni", "got clean and", "with her psych",
             "i told his mum and now", "been ok for a long time", "been good for (over|) (a year|3 years|three years|two years)",
             "worker checks in")
# Helping a mate, learnt at school, camp or from a youth worker.
_LEARNT_TO_HELP = ("role play", "how to help (a mate|someone|if someone|a friend)", "what to do if someone", "being a good mate if",
                   "the speaker at school", "played a video", "ask someone straight out", "ask them straight up",
                   "warning signs for suicide", "prevent youth suicide", "yarn circle about", "learned about sextortion",
                   "talk at school about not bullying", "keeps us strong", "health assignment", "project on the overdose",
                   "in a workshop", "transperth safety talk")
# Things and people called hopeless or useless: a bus, a ref, a printer, the writer at cards.
_HOPELESS_THINGS = ("(felt|was feeling|used to feel) hopeless ~6 but (now|i got|things are)", "not hopeless anymore",
                    "used to think nothing would get better but", "hopeless (bus|fishing|wifi|printer|referee|reffing|case|situation in the game|to find parking|weather|but funny)",
                    "(bus|wifi|reception|showers|printer|service|maths|team|essay|chemist) ~4 (is|are|was) ~2 (hopeless|useless)",
                    "at cards", "losing my keys", "their song", "this heat is", "trapped my finger", "useless at volleyball")
# Jokes, play and sport between family and mates: a towel, a toy, a pillow, a scoreline, a tattoo.
_PLAY = ("in the ruck", "wet towel", "with a toy", "punching me playing", "for eating her", "after golf", "at dodgeball", "hurt feelings",
         "feelings got hurt", "bashed by waves", "by (60|80|40|50|100) points", "by the wind", "by collingwood", "blue shell",
         "nearly got hit by the ute", "hit on by", "hit up by", "punch buggy", "the episode where", "pickup line", "with a pillow",
         "kicked out of school once", "mozzies", "so the kids can not", "if i get another tattoo", "if i got a tattoo", "late for dinner",
         "she is chill", "do the dishes lol", "the thong lol", "for coming home late lol", "touch her makeup",
         "but mum left that fella", "we safe now", "we are safe now", "smashed us by",
         "now i am fitter", "(in the cubby|out the car) as a joke", "by the ball", "pokemon", "kdrama", "stingray", "by accident when we were kids",
         "slow just bruises", "baby joey", "up high cos")
# Hyperbole about small things: a full belly, a song, the bus, braces, a boring day.
_SAID_BIG = ("so full i am going to die", "dead sore", "dead quiet", "dead keen", "if i miss the bus", "braces tightened",
             "seasick", "sea sick", "song goes hard", "its so good", "love song", "bucket list", "so bored i might die",
             "plane was bumpy", "called my teacher mum", "buzzer beater", "in the end it worked out", "plenty (fish|of fish)",
             "in gravy", "this level i jumped", "pile of sand", "with mates in summer", "on holidays was fun",
             "not suicidal or anything (i|just)", "tafe assignment", "lyrics say", "movie was so bad", "every time he loses",
             "go hard at training")
_THREAT_SMALL = ("hot sauce", "the dentist", "the heat is", "at fifa", "flossed", "shot at a roo", "tag game",
                 "security kicked him out", "make me do the dishes", "my charger", "hoodie lol", "a detention", "call my mum if",
                 "eyebrows", "raise the rent", "to rain on", "kettle burnt", "as a nickname", "movie was called",
                 "but now i love it", "(bullied|bully|bullies|bullying) ~6 (but|now) ~4 (good mates|been good|been better|"
                 "not anymore|a new school and it is good|say hi to me)", "used to bully me said sorry", "apologized to me",
                 "apologised to me", "got suspended and i feel better",
                 "got through the bullying", "a play about")
# Notes, last messages and goodbyes for ordinary reasons.
_ORDINARY_NOTES = ("doc said i do not need them", "all my lollies", "who is leaving", "teacher leaving", "before i go to bed",
                   "phones getting collected", "last time i saw ~4 (was|at) christmas", "was the knockout", "so she knows i am at",
                   "saying gone to", "i went to training", "i took her charger", "the night shift", "meet me at lunch",
                   "at the viewing", "sorry camp", "after camp", "goodbye ~2 to term", "so i can go to", "future me",
                   "for wearing her top", "he sold it", "because she was asleep", "cause she was asleep", "back soon",
                   "was emotional but happy", "i felt her with us", "i talked to aunty and it helped")
# Ropes, rifles, pills, tracks and water used as meant.
_AS_MEANT = ("murray cod", "get a jump", "heritage listed", "big training", "off the couch", "shearing job", "skateboard",
             "grip tape", "horror movie had", "plan for the holidays", "plan for my lego", "plan for when i feel", "gives them each day",
             "ocean was so calm", "our teacher said", "i like the sound", "watching the freight trains", "shopping trolley", "a trolley",
             "for my asthma", "litter in the river", "is illegal", "train was late", "to photograph", "long jump",
             "footy final", "for the headache", "for the footy", "waiting for the truck", "cluedo", "from the 1900s",
             "gave it to the cops", "with the rangers", "train project", "iron tablets doc says", "tying the tarp", "for the boat trip",
             "for his horse", "wedding is on the river", "so the kids", "gun licence", "safe shooter", "its allowed there")
_SMALL_HURTS = ("from the reef", "blackberry bushes", "at the butcher", "door frame", "crack a whip", "low doorway",
                "on the motorbike", "skate park", "kickflip", "kickflips", "push ups", "gaming too long", "skateboarding",
                "in a brace", "just sprained", "throwing $", "i was just venting", "from my cat", "cutting sugar",
                "hang the roo", "bleeds out")

UNLESS: dict[str, tuple[str, ...]] = {
    "*": _LEARNT_TO_HELP,
    "suicidal_intent": _SAID_BIG + _OVER_NOW,
    "abuse_or_unsafe": _PLAY,
    "attempt": _OVER_NOW + ("song called", "new album", "took my epilepsy meds", "no seizures", "addiction lol", "die laughing", "drives like",
                "hot wing", "on chilli", "ride bulls", "talks to us about drugs"),
    "bullying_or_threats": _THREAT_SMALL,
    "burden": ("he said its fine", "my family loves me", "her rock", "between me and my ex"),
    "goodbye_or_note": _ORDINARY_NOTES,
    "hopelessness": _HOPELESS_THINGS + _OVER_NOW,
    "means_or_method": _AS_MEANT,
    "passive_death_wish": ("at 6 for boarding", "in perth forever", "move to tokyo", "last level", "antibiotic course",
                           "lost my thongs", "good luck", "moving to", "snorkelling", "sings in public", "reply all"),
    "past_attempt": ("car accident", "heart attack"),
    "plan_or_means_now": _AS_MEANT,
    "self_harm_now": _SMALL_HURTS + _OVER_NOW,
    "self_harm_relapse": ("fish in my tank",),
    "sextortion": ("before sending anything", "taylor swift", "of my art", "we reported it and", "of my painting",
                   "my aunty would kill me"),
    "someone_else_concern": ("cuts hair",),
}

HARMLESS: tuple[str, ...] = ()
