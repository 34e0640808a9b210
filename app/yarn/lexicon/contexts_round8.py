"""Round 8 (dev54-62: the Kimberley and Pilbara; Cape York and Far North
Queensland; Adelaide and regional South Australia; palawa and Koori students;
young people in out-of-home care or after detention; young parents in western
NSW; gamers and Discord kids; Torres Strait Islander young people; casual
workers in the Kimberley). Its false alarms came in families, cleared here by
the words around them: family threats over small things said with a laugh,
knocks from waves, roos, calves and catfish, "trying to kill us" about heat,
coaches and drivers, a last message before bed or a dead phone, medicine taken
as meant ("took a hayfever tablet and now im sleepy"), waiting at a bridge or a
platform for a lift, risk as something learnt about (a course, pdhpe, a youth
work course, what "sewerslide" means), and elders who passed peacefully.

As in contexts_round7.py, UNLESS joins the `unless` of every rule of its
category ("*": every rule) and HARMLESS is blanked before any rule runs. Each
context is written for one category: the same words in another category can be
risk (a knife "cutting up the mangoes" clears someone else's danger, not a
young person's own self-harm).
"""

from __future__ import annotations

# Something small a family member will "kill" them for: boots, chips, a bowl, a report card.
_SMALL_TROUBLE = ("give back his boots", "bring the chips", "about her boyfriend lol", "about her bf", "pranged the ute",
                  "he likes her", "broke (mums|nans) (fav|cup|bowl)", "broke nan cup", "see my report card",
                  "left the house a mess", "for wearing her", "for eating all", "stole my charger")
# Risk as something learnt or talked about: "learnt the warning signs in pdhpe".
_LEARNT = ("intervention course", "youth work course", "warning signs in", "learnt the signs", "learnt the warning",
           "health class (was|is) about", "wanna be a (counsellor|youth worker)", "want to be a (counsellor|youth worker)",
           "(meaning|mean) of sewerslide", "sewerslide and did not know what it meant", "just say the word",
           "as a joke ~2 fair enough", "bullying workshop", "if we ever feel unsafe", "send them to the pharmacist")
# Medicine taken as meant, and how it felt: one tablet, or the ordinary outcome.
_AS_MEANT = ("took a (hayfever|sleeping|panadol) tablet", "sleepy in class", "focused for once",
             "for (her|his|my) (back|asthma) and now", "for his asthma", "on the long haul flight",
             "picked them up for her", "after the c section")
# An elder passed peacefully, celebrated: grief said calmly, never a wish to join them.
_PEACEFUL = ("passed peacefully", "finished up peaceful", "we celebrated her life", "we miss her but",
             "when her time comes", "to bingo", "healthy as", "shes 80", "hes 70", "nan still talk about him")
# Waiting somewhere for a lift or a train: "at the bridge waiting for my uber".
_WAITING = ("waiting for (my uber|the girls|cuz to|uncle|my lift)", "for cuz to pick me up", "train s cancelled",
            "trains cancelled", "getting the (kids|tennis) ball down", "taking pics", "with the prams", "with the pram")
# Knocks from the world, not people: waves, rain, roos, calves, catfish, hooks, exhausts.
_KNOCKS = ("by the rain", "by a wave", "by a massive wave", "by a roo", "by a calf", "my villager got hit", "by a dodgeball",
           "catfish spiked", "still got a snapper", "hooked (himself|myself|herself) in the thumb", "coral cuts",
           "rose bush", "(motorbike|motor bike) exhaust", "exhaust of", "steam from the kettle", "on the can lid",
           "cut myself shaving", "cat scratched")
_HYPERBOLE = ("this heat", "the heat", "heat is trying", "aircon breaks", "aircon broke", "baby shark", "2 all",
              "training was brutal", "double shift", "the kid laroi", "get that jersey", "if she does not nap",
              "what i got u", "dreamtime round", "monkey bars", "for the first time", "my own rocket",
              "burnt cookie", "another group project", "homework making me", "with all the homework", "english essay",
              "so awkward", "stinger season", "mouth full of", "snapped the line", "physics exam", "stubbed my toe",
              "this playlist", "an old maid", "wanna duo", "if qld loses", "watching the origin")

UNLESS: dict[str, tuple[str, ...]] = {
    "*": _LEARNT,
    "abuse_or_unsafe": _SMALL_TROUBLE + _KNOCKS + ("growl me lol", "kicked out of the (game|library)", "for being afk",
                                                   "hitting her brother with the remote", "grab her tablets",
                                                   "they flogged us ~3 next week"),
    "attempt": _AS_MEANT + ("heat is trying", "to cool off", "caffeine overdose before",
                            "overdosed on (mangoes|red cordial|lollies)", "tryna die my hair", "trying to die my hair",
                            "kill the lizards", "kill us with (these|those|the|his)", "im on my ps"),
    "bullying_or_threats": _SMALL_TROUBLE + ("heat gonna", "in smash bros", "are my mates now", "in that movie",
                                             "for eating all the chips", "i do not care im topping", "for a nap",
                                             "camping with no signal", "broke the tv remote", "too much coke",
                                             "massive wave", "mucking round", "in the hallway to scare me",
                                             "in the pool for my birthday", "about my crush", "lunch at work",
                                             "gets the server banned", "banned a kid", "to ground",
                                             "walk to school", "at uno", "ugly pic from camp", "sing at karaoke"),
    "burden": ("asking for a lift", "the esky", "on the uno team", "my school bag"),
    "goodbye_or_note": ("newborn clothes", "too big now", "to my fringe", "staff take the phones", "no phones allowed",
                        "phone gets cut off", "credit ran out", "heading to bed", "changing schools",
                        "thanks for everything this season", "goodbye to year 12", "shes so soft"),
    "hopelessness": ("tram is never on time", "stealing my thongs", "beat my cousin at uno", "an appointment at the gp",
                     "future in singing", "ran out of meat pies", "lost by", "assignment due", "defence never",
                     "in that phone", "traffic jam", "going to the lands with"),
    "means_or_method": ("eating too much vegemite", "trailer fits", "tattoo to heal", "got a headache",
                        "can a 2 year old have", "in gta", "stunt challenge", "knot for the tarp"),
    "passive_death_wish": ("nan still talk about him", "pop used to say", "at this party", "this party is so boring",
                           "live in adelaide", "wanna move back", "happier on my own", "finish it off with the knife",
                           "finish up a doctor", "the milk finish up", "this gelato",
                           "so deadly i did not want it to end", "to the bus driver", "just to pee"),
    "past_attempt": ("on the boss", "geometry dash", "attempt record", "on this level", "field goal attempt",
                     "dodgy prawns", "after the c section", "into nursing"),
    "plan_or_means_now": _WAITING + _AS_MEANT + ("jumped in waves", "throw (him|you) in (the river|croc creek) lol",
                                                 "i swear im gonna throw", "with this project anymore",
                                                 "in trouble for smoking", "kill myself at training ~4 trials",
                                                 "kill us at training", "for ice skating", "rope burn", "rope dart",
                                                 "the new skin", "car battery died", "gonna propose",
                                                 "in the mornings with"),
    "self_harm_now": _KNOCKS + ("cutting my own hair", "hit the books", "cut class", "how to respond without"),
    "self_harm_relapse": ("watching the whole series", "cut my fringe"),
    "sextortion": ("shave my eyebrows", "in the family group chat lol", "my own baby photo", "give back her hoodie",
                   "mums group page"),
    "someone_else_concern": _PEACEFUL + ("uncle finished it with the knife", "pig dogs", "do the dishes",
                                         "old jewellery", "she got new ones", "pineapple on the pizza",
                                         "the instructor looked like"),
    "someone_else_now": _PEACEFUL + _KNOCKS + _AS_MEANT + (
        "flog me at cards", "eating all the cake", "off the couch like spiderman", "cutting up the mangoes",
        "rifle case", "locked in the safe", "grabbed my leg", "red cordial", "hang out at mine",
        "for wrecking his bike", "help kids who", "in the forwards", "tying up the trailer"),
    "suicidal_intent": _HYPERBOLE,
}

HARMLESS: tuple[str, ...] = (
    # The yarn's own offer after the summary ("want to keep yarning?"), taken up: the
    # words around it are still read ("can we keep talking, i do not feel safe").
    "(can|could) we (keep|go on|continue) (talking|yarning|chatting)",
    "(going to|gonna) go die in (my|the) (bed|bush)",
    "nearly died of fright",
)
