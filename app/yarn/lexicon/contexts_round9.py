"""Round 9 (dev63-71, the voices in rules_round9.py). Its false alarms came in
families, cleared here by the words around them: hyperbole about small things
("i'll die if he texts me back", "my battery's about to die", "die on that
hill"), knocks and cuts from work, sea, stock and sport (shearing combs,
coral, cows, rogue waves), ropes and rifles used as meant (dinghies, horses,
spotlighting), waiting at a bridge or crossing for a lift or the boom gates,
things given away or left for ordinary reasons (puppies, an old couch, a note
to feed the dog), a "last message" before bed, training or a dead phone,
oversleeping ("didn't wake up for school"), medicine taken as meant, and
suicide as something learnt about or worked against (a speech, a course, a
goal to help stop it).

As in contexts_round8.py, UNLESS joins the `unless` of every rule of its
category ("*": every rule) and HARMLESS is blanked before any rule runs. Each
context is written for one category.
"""

from __future__ import annotations

# Risk as something learnt about, spoken about or worked against.
_WORKED_AGAINST = ("speech on youth suicide", "help stop suicide", "risk assessment module", "suicide is a big issue for",
                   "safe messaging", "session at the youth centre", "study psych to help", "course on workplace bullying",
                   "program about not bullying", "we did a play about", "that overdose episode", "in the show")
# Small troubles and small joys, said big: a test, a crush, a formal, a final, homework, a pun.
_SMALL_THINGS = ("nervous about my presentation", "crush said", "at the formal", "if he texts me back", "that pun", "voice cracked",
                 "if we lose this final", "if they play my song", "forgot my lunch", "sent that to the wrong",
                 "wrong group chat", "gave us (3|three|4|four) assignments", "dad jokes", "jokes are so bad", "hate mondays",
                 "not suicidal ~4 just (bored|tired of school)", "cross country", "this course is finished", "need a nap",
                 "bench press", "eating that", "die on (that|this) hill", "die on the field", "another group assignment",
                 "if i see (that|him|her|the) boy", "if i see him", "got lost in the bush", "kms jk", "jk jk",
                 "dead chuffed", "dead weight at training", "stocktake", "in hot chips", "what a way to end it",
                 "on a win", "on good terms", "over dishes", "will power", "willpower", "suicide blonde", "motorway",
                 "that overtake", "there is crocs", "theres crocs")
_DEVICES = ("(battery|phone|pc|laptop|computer|charger|ipad|tablet|console) ~3 (about to die|going to die|is dying|dying)",
            "my phone is dying", "phone dying")
# Cuts, knocks and burns from work, sea, stock and sport, said plainly.
_KNOCKS = ("cut myself shearing", "shearing comb", "the sheep kicked", "from the coral", "paper cut", "the nurse fixed", "hit my head on the car door", "made me sit out",
           "hit the hay", "in my sleep", "cane fires", "power got cut", "signal keeps", "cutting coupons",
           "cutting down on", "cutting firewood", "cutting (you|ties|them) off", "cutting ties", "hit by a (water balloon|rogue wave|wave)",
           "almost got hit", "the vet saved", "falling mango", "kicked by a cow", "hit me up", "choked up", "choking on milk",
           "toy sword", "on 2k", "black and blue from the cow")
# Ropes, rifles, water and places used as meant.
_AS_MEANT = ("sea scouts", "waiting for (my|the) (cousin|bus|lift|mum|boom gates)", "boom gates",
             "watched the tide", "is banned now", "bleach and tone", "for the horse", "bust my guts", "at high tide with cousins",
             "high board", "rope swing", "tie the dinghy", "tied up the dinghy", "tying the boat", "gun safety",
             "country is near", "squid", "walking path", "locked in the cupboard since", "hay fever", "hayfever",
             "for the rabbits", "had a feed", "tip of cape york", "tug of war", "spotlighting", "rope scene",
             "better off doing it tomorrow", "aquatic centre")
# Things given, left or said goodbye to for ordinary reasons.
_ORDINARY_GOODBYES = ("some of my clothes", "to my old school", "for the newsletter", "from my friend was a meme", "in the group chat was from",
                      "asking for a lift", "before i go to training", "at the footy carnival", "feed the dog", "at the funeral we sang",
                      "love note", "saying thanks for the year", "to remind me", "nice notes", "r you ok day", "are you ok day")
_ORDINARY_GIVING = ("puppies", "baby clothes", "old sewing machine", "old couch", "old boat", "to good homes",
                    "to the church", "to the neighbours", "to her braces", "year 12s", "for the school excursion",
                    "is deep enough there", "every arvo", "for a bet", "for a swim")
_OVERSLEEPING = ("slept like a log", "late for (the bus|work|school)", "did not wake up for school", "wake up late", "alarm",
                 "pour water on me", "next week lol", "(could|can) sleep for a week", "crash the quad", "jiu jitsu",
                 "off socials", "from this group chat", "notifications", "in the wet season", "born in winter")

UNLESS: dict[str, tuple[str, ...]] = {
    "*": _WORKED_AGAINST,
    "suicidal_intent": _SMALL_THINGS + _DEVICES + ("wake up late for work",),
    "abuse_or_unsafe": _KNOCKS + ("another detention", "with the thong for being cheeky", "killing her with (my|all my)",
                                  "hit me with the we need to talk", "smashed her exam", "taking her charger", "burned me in front of",
                                  "driving test", "scratching his car"),
    "attempt": ("at the weir", "from the rocks", "water was freezing", "roo jumped", "caffeine overdose", "on mangoes",
                "for the hangover", "hang gliding", "off the curtains", "with homework"),
    "bullying_or_threats": ("if mum finds out", "die in a hole", "jump me in for my birthday", "pie i ate", "curry", "takes me fishing",
                            "played dead in the game"),
    "burden": ("but mum says its fine", "on the group project", "lol jk", "than red", "learned to cook", "in the forwards"),
    "goodbye_or_note": _ORDINARY_GOODBYES,
    "hopelessness": ("all blacks", "dust storm", "never giving up", "the wifi", "im injured", "i am injured", "in the lift"),
    "means_or_method": ("calories", "to drive to", "for my cold", "banana bread", "guns is locked", "the vet saved",
                        "at the range", "for the hammock"),
    "passive_death_wish": _OVERSLEEPING,
    "past_attempt": ("to cook",),
    "plan_or_means_now": _AS_MEANT,
    "self_harm_now": _KNOCKS + ("(no|nah) i am not (thinking of|going to) hurt myself",),
    "self_harm_relapse": ("did not make it going again", "from a long time ago", "proud of how far", "boots", "jeans",
                          "gloves"),
    "someone_else_concern": _ORDINARY_GIVING,
    "someone_else_now": _ORDINARY_GIVING + ("waking up early", "sleeping in", "bleeding art", "we are working on it", "that makes me feel better",
                                                            "christmas pudding", "monster energy", "lollies",
                                                            "at the concert from the heat", "now she is napping"),
}

# "shh" (hush) is not "sh" (self-harm).
HARMLESS: tuple[str, ...] = ("shh the baby", "shh bub")
