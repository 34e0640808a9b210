"""Round 11 (dev84-101, the voices in docs/risk-evaluation.md). Its false alarms
came in the same families as round 10's, in new words: family threats over
small things ("aunty said she'll kill me if i ruin her dress lol"), scorelines
and balls ("the titans got bashed by the broncos"), hard times told as over
("i used to think everyone would be better off without me but now i know
that's not true"), "i'm not suicidal, just stressed", standing up for a kid
being bullied, things called hopeless, trains waited for on platforms and
bridges stood on to watch dolphins, ropes and knives used for boats and
mangoes, medicines as prescribed, lyrics, "tonight's the night" for a formal,
and someone else's hard time that is over.

As in contexts_round10.py, UNLESS joins the `unless` of every rule of its
category ("*": every rule), and hard times told as over clear only the
categories they were found in.
"""

from __future__ import annotations

# Hard times told as over: the second half says where they are now.
_OVER_NOW = ("used to ~6 but ~6 (now i know|i know now|i am good now|im good now|much better place|i am glad i stayed|"
             "i actually like|i am ok now|im ok now|i have been good|been good for|have not in|stopped|"
             "got help and|doing way better|in a good space|a good place now)",
             "(back then|back in the day|when i was younger|when i was 14|back when i was 14) ~8 (but|now) ~6 (aunty|mob|i believe|"
             "changed everything|love my life|now i know|not true|i am not)",
             "(was|felt) suicidal ~4 (years ago|last year) ~4 (behind me|good place|good life)",
             "(been|is) (clean|good|fine) ~3 (for ages|for years|for 2 years|for two years|for a long time|3 years)",
             "(since|years since) i (last hurt myself|stopped self harming)",
             "got counselling and", "got him to headspace", "told teacher got help", "talked him down",
             "he is smashing it now", "just got into uni", "doing deadly now", "i felt heaps better since i stopped")
# The writer says plainly it is not that: "i'm not suicidal, just stressed".
_NOT_THAT = ("(i am|im|nah i am|nah im) not suicidal ~2 (btw|just|i just) ~4 (stressed|venting|sad|miss|sick of)", "not suicidal just (stressed|sad|venting)",
             "(not|never) (going to|gonna) hurt myself ~3 (i just|just|or anything|i am asking)",
             "(not|no) thoughts of hurting myself", "(never|not) thought about hurting myself",
             "not thinking about hurting myself i just", "do not want to hurt myself just")
# Learning to help and talk about it.
_LEARNT = ("learning it at school", "signs someone might be", "learn how to help", "for survey", "for my school assignment on",
           "how to report bullying", "short film about bullying", "cyber safety talk", "safety talk from the police",
           "my aunty is a counsellor", "want to be a nurse so i can help", "be youth worker", "screenwriting class",
           "community services to help", "the story we read at tafe", "for the school project")
# Small threats between family, mates and coaches: a dress, a diary, laps, the bench.
_SMALL_THREATS = ("if i (ruin|got|get|miss|read|come|touch|eat|break) ~4 lol", "if i miss the bus",
                  "if i miss her birthday", "ruin her dress", "her diary", "her secret", "shoes muddy", "kill me at cards",
                  "clean our room", "if i am cheeky", "broke (mums|nans) ~2 (vase|cup)", "she will growl me",
                  "exam results", "when we were little but", "is my best mate now", "by (port adelaide|the broncos|the roosters)",
                  "set at the superbank", "a (football|tennis ball|ball) in", "by hail", "by dust", "by a bull", "nerf gun",
                  "gun licence so i can", "shooting with dad", "spotlight in the dark", "they are so loud",
                  "drag him out of bed", "big bash", "surprise party", "pushed us out", "in pe", "stuck in the mud")
_BULLY_OVER = ("stood up (for|to) a (kid|bully)", "(bullied|picked on) ~6 (but|now) ~5 (way better|all mates|we are all mates|"
               "a leader|boss at his job|not anymore|everyones cool|we are ok)", "said sorry and now", "apologised at the pub",
               "got suspended i feel safer", "got suspended and i feel safer", "in a good way", "in the movie", "the real bullies",
               "called me a nerd", "calls me a goose", "but we are close", "everyone hated me in year 7 now",
               "(tradition|they always throw me)", "fringe", "leg day", "at basketball", "i just blocked them",
               "in a game chat", "bench me", "run laps", "to go to church", "steal my (hoodie|chips)", "cancel formal",
               "drop me from the course", "cut my payment", "key her car", "a dvo", "sorted by the aunties", "but we won",
               "he will tell on me", "jump me for my chips", "toy sword", "calling me by accident", "as a joke and i post",
               "my mate joking", "school photos", "moved schools", "honestly i do not care", "the ute scratched", "at cards with")
_HOPELESS_THINGS = ("hopeless (part|situation|thing|team|fisherman)", "(fielding|cooking|printer|weather|wifi|internet) ~4 hopeless",
                    "hopeless (trying|to find) (to find|parking)", "(felt|feeling|feel) hopeless (after|when|about) ~6 (passed|helped|resat|"
                    "got maccas|new place|study harder)", "do not feel hopeless anymore", "not hopeless just",
                    "draw horses", "we rebuilt", "study harder", "this wifi", "school uniforms", "not giving up", "never going to give up on my dreams",
                    "at 5pm in winter", "ate the whole cake", "stop itching", "in this (cafe|show|car|fifa match)", "against the roosters",
                    "maze game", "at this hostel", "on this wifi", "at work so we are", "useless at mornings",
                    "(will not|wont) be around (for a while|this weekend) ~4 (going|cos|because)", "got a tutor", "i like who i am")
_AS_MEANT = ("rope for the boat from the shed", "tied to the boat ready", "to tie the canoe", "tie down the load", "for the tug of war",
             "tree house", "houseboat rope", "rope ladder", "rope toy",
             "lasso", "cutting up (a|the|) (mango|mangoes)", "filleting", "scale these fish", "to sharpen it", "stonefish", "ormiston gorge",
             "barron falls", "for the photo", "harbour bridge climb", "(panadol|paracetamol) ~3 to work $", "bleed a roo", "to drive from", "is safe for",
             "to order more", "spare key to the ute", "and took two", "shearing shed broke", "pills organiser",
             "when cleaning", "to the pool from", "for a school project", "bleach my hair", "waiting for (my|the) (barge|mate|cue)",
             "(train|xplorer) to (the city|melbourne|ballarat|townsville|sydney|canberra|hurstville|redfern)", "for ages waiting",
             "watching the (dolphins|fireworks|water|pelicans|ghan|iron ore|horses)", "eating chips", "tourist train", "the bmx",
             "race tracks", "horse races", "camel race", "highway to hell", "the fish are biting", "sit by the river and listen",
             "til the roads open", "can drive to", "still went in", "the big red gum", "to the top of the lookout", "finish the puzzle",
             "jump off the bus", "jump off the pontoon", "hes joking hes fine", "at training tomorrow", "tide is right",
             "saturday (fishing|movies)", "my future and", "plan to study", "the barge is the only way", "wanna jump off it safely",
             "should i double up", "dose is right", "in the blue box", "epilepsy meds i take", "nurse will keep them",
             "with uncle tonight", "road is open", "road trip", "we stay off it", "mini golf", "into year 12",
             "(ask her out|first date|formal|album launch|grand final|the new marvel|at 2k)", "daily meds now off",
             "the ones for my adhd", "ableton", "safe and careful", "like doctor says", "for the trip tomorrow", "cows got out",
             "only adults have the key", "he uses it for", "dosette box", "she asked me to help")
_SMALL_HURTS = ("welding", "mandoline", "chef apprentice", "surfing at", "handstands", "lifting boxes", "hurt myself laughing",
                "spinifex", "dugong meat", "bit my nails", "from a dog bite", "cause of the sun", "remind me how far",
                "kpop", "my cold", "on the field", "hearing aids", "skateboard bearings", "tried out for")
_SAID_BIG = ("if my crush", "taylor", "a coffee", "brussels sprouts", "if port wins", "without my headphones", "live in the city",
             "my ears", "if we lose to", "so much at the", "old posts", "(lmao|lol) ~4 so shame", "win this battle", "that joke",
             "(song|lyric|lyrics|says) ~4 die young", "about dancing", "about partying", "i meant from laughing", "with these sprints", "it was dead by the time",
             "before i let", "dead in the water", "when you see this", "will to study", "battery is about to die",
             "end it here and yarn", "about ending a toxic", "death is not the end", "decided to end my netball",
             "learn language", "putting myself down and", "the old shop", "when the wifi cut out", "if they play that song",
             "when i beat him", "figure of speech", "of embarrassment", "everyone does it", "lifeguard was there",
             "into the pool", "deep pool", "is actually about love", "way too high", "its tradition", "i was joking haha",
             "over a test", "kms as a joke cause", "for everything now", "kilometres per second", "the bus is late",
             "every time he misses", "of warcraft", "muttonbirds", "to sorry business", "got the day off",
             "for the rodeo", "got dentist", "wake up late", "wake up early", "go home to sleep", "on sunday mornings",
             "taking my life back", "just want a holiday", "suicide door", "got a good life")
_OTHERS_OVER = ("from hospital after (her|his)", "out of hospital after", "in hospital after a car crash", "home and doing heaps better",
                "is getting help and doing way better", "in a good space", "she is in a good place now", "back at school and we hang",
                "we talked him down", "heaps better now and working", "for her cold", "the doctor gave (me|her) for",
                "(tooth pain|chest infection|my infection|period pain)", "cut his own hair", "got fined", "if she does not get", "mum will die",
                "on the chips", "on study", "band is called", "hardest part is", "the playground bridge",
                "painting the mural", "for a swim", "zombie", "halloween", "about hope", "at pool tonight", "the bingo",
                "we are heaps happier", "ex is gone for good", "kill it at", "into the pool mum", "the sound guy",
                "cut them off", "bag on the tracks", "won't wake up for school", "will not wake up for school",
                "we called the ambulance she was ok", "only got scratches", "farm dog", "on his bike but", "mosh pit",
                "ready to go home to country", "before hostel term", "to play xbox", "a card saying", "to my teacher",
                "teacher leaving", "teacher whos leaving", "to summer", "goodbye to year 12", "exchange friend", "the end of the camp",
                "goodbye note for her old job", "poem about my nan", "meme of a cat", "it is allowed there", "new gun safe",
                "pig hunting", "new gun safe for the farm", "got new ones", "when he got the new one", "waste of talent", "helps people who",
                "hopeless fisherman", "still mates")
_NOTES_AS_MEANT = ("too much", "for a week", "for the season", "to my braces", "old phone", "teenage years", "to the year 12s",
                   "year 12 teachers", "before the plane", "to be strong and i am", "i went to footy", "i am at footy",
                   "borrowed her shoes", "future self", "primary school teacher", "we are cool now", "heading off now",
                   "they will be right", "what you said about", "goodbye for now", "see you next week", "she cried happy",
                   "dentist appt", "she is deadly", "for a character", "for the end of year")

UNLESS: dict[str, tuple[str, ...]] = {
    "*": _LEARNT,
    "suicidal_intent": _OVER_NOW + _NOT_THAT + _SAID_BIG + _OTHERS_OVER,
    "abuse_or_unsafe": _SMALL_THREATS + _OTHERS_OVER,
    "attempt": ("ate too much", "in the weekly box", "the picture", "the hammock", "the curtains", "pelican", "a mozzie",
                "the geckos") + _OTHERS_OVER,
    "bullying_or_threats": _BULLY_OVER,
    "burden": _OVER_NOW + ("she (said|says) she (doesnt|does not) mind", "she likes the yarns", "says she loves it",
                           "coach says its fine", "i am a blessing", "i matter", "i am loved", "showed me i am not",
                           "my legs", "backpack", "textbooks", "burden lifted", "carrying our burdens", "at the arcade",
                           "my mates love it", "getting up early", "tiktok dances", "this assignment", "at training lol",
                           "old phone", "mine dust", "told me and i believe her", "i feel better", "reminds me she loves me"),
    "goodbye_or_note": _NOTES_AS_MEANT,
    "hopelessness": _HOPELESS_THINGS + _OVER_NOW,
    "means_or_method": _AS_MEANT,
    "passive_death_wish": _OVER_NOW + _SAID_BIG + ("did not hear her", "of the hotel", "mozzies", "this class", "in this heat",
                                                  "in the city", "on good terms", "this assignment", "when i am old",
                                                  "in the first 5", "servo", "til lunch", "for uni", "but not for a long time",
                                                  "double shift", "called sleep forever", "on social media", "in maths", "level of cute",
                                                  "the wet is so long", "camping", "embarrassment", "tripped on stage", "good book",
                                                  "into a book", "in july"),
    "past_attempt": ("the hike", "10k run", "hardest level", "tonsils", "fixed my arm"),
    "plan_or_means_now": _AS_MEANT,
    "self_harm_now": _SMALL_HURTS + _OVER_NOW + _NOT_THAT + ("firewood",),
    "self_harm_relapse": _SMALL_HURTS,
    "sextortion": ("of my goal", "by accident lol", "of the sunset", "never send pics", "online scams and", "with my family on private",
                   "of the dance comp", "police sorted it"),
    "someone_else_concern": _OTHERS_OVER,
    "someone_else_now": _OTHERS_OVER,
}

HARMLESS: tuple[str, ...] = ()
