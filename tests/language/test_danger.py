"""Words of immediate danger (remi/language/danger.py) win over everything else, however they
are spelt; ordinary requests for help do not trip them."""

from __future__ import annotations

import pytest

from remi.language.danger import asks_about_danger, danger_not_met, in_danger, told_long_ago


@pytest.mark.parametrize(
    "text",
    [
        "AU SECOURS ils vont me tuer",
        "on nous a kidnappé a la sortie de agadez",
        "Ku cece ni, za su kashe ni",
        "mun bata a sahara babu ruwa",
        "they are beating us, help me now",
        "dem wan kill me o",
        # round 2: someone not breathing or not responding, heavy bleeding, an assault now,
        # locked in, a child lost now, no water in the desert now; spelt as typed
        "vnez vit mon pere respir plu",
        "le petit ne se reveille pas il a eu la diarrhee toute la nuit",
        "elle saigne bcp depuis l accouchement",
        "ils frappent mon frere la maintenant",
        "le passeur nous a enfermés dans le camion",
        "ma fille a disparu ya 1h au marché",
        "yarona baya magana tun da safe",
        "jini yana zuba bayan haihuwa",
        "suna dukan matata yanzu",
        "sun kulle mu a daki",
        "dana ya bace a tasha yanzu",
        "muna sahara ruwanmu ya kare",
        "my guy no dey breath abeg",
        "blood wont stop after she gave birth",
        "dem dey beat my brother now now",
        "they locked us in a container",
        "my son missing since 1 hour",
        "we are in the desert, no water now",
        "je suis perdu dans le desert",
        "we are lost in the desert since morning",
    ],
)
def test_danger_is_recognised(text):
    assert in_danger(text)


@pytest.mark.parametrize(
    "text",
    [
        "help me find a doctor",
        "je cherche de l'aide pour mes papiers",
        "ina neman taimako don komawa gida",
        "what are the risks of the desert road",
        # violence services, stories of past danger, and "emergency" naming a service
        "ou trouver de l'aide pour une femme battue a niamey",
        "I was beaten in Libya last year, now I want to go home",
        "an yi min duka a libiya bara, yanzu ina son komawa gida",
        "mutane uku sun yi min fyade, yanzu ina son magani",
        "how long can someone survive in the desert with no water",
        "emergency travel document from my embassy",
        "contraception d'urgence ou la trouver",
        "na haihu mako daya har yanzu ina zubar da jini kadan",
        "KULLE NE NI YANZU, menene hakkina",
        "le bébé bouge plus dans mon ventre depuis hier",
        "we got lost in the desert for four days on my last trip, is that road still used",
    ],
)
def test_ordinary_requests_for_help_are_not_danger(text):
    assert not in_danger(text)


@pytest.mark.parametrize(
    "text",
    [
        "je suis perdu dans le desert",
        "Nous sommes perdus dans le désert",
        "we are lost in the desert",
        "Mun ɓata a hamada",
    ],
)
def test_lost_in_the_desert_said_in_the_present_is_a_danger_without_a_word_for_now(text):
    # Once lost when "lost" became an act that needs a word for "now": the state is the danger.
    assert in_danger(text)


# Round 3: dangers told in the words of their topic (the desert, smugglers, violence, a child who
# does not respond, bleeding), with no word of danger or of "now" in them.
@pytest.mark.parametrize(
    "text",
    [
        "nous nous sommes égarés vers séguédine, le camion est reparti sans nous",
        "on ne sait plus où on est, que du sable partout",
        "notre voiture est en panne en plein désert et les bidons sont vides",
        "les passeurs nous séquestrent dans une cour à Agadez depuis dimanche",
        "ils nous gardent dans un magasin fermé, ils veulent 200 000 chacun",
        "mon petit est tout mou, il a les yeux qui roulent",
        "ma femme saigne très fort, le docteur est loin",
        "un homme a sorti un couteau dans le ghetto, il menace tout le monde",
        "mun bace a cikin daji kusa da arlit, wayata na mutuwa",
        "ba mu san inda muke ba, yashi ne kawai ko ina",
        "masu safara sun rike mu a wani gida, suna kiran iyalanmu su turo kudi",
        "yata ta yi laushi, bata bude ido ko kadan",
        "jini ba ya daina fita daga kanta",
        "wani ya dauki wuka yana bin mutane a tasha",
        "our motor spoil for the middle of nowhere, nothing to drink since morning",
        "the guys who brought us are keeping us in a room and calling our families",
        "my son is limp and he doesn't react when I shake him",
        "she is bleeding badly after the baby came",
        "a man pulled a knife at the bus station and he is chasing people",
        "we don loss for sand, we no know where we dey",
        "the car is stuck in the sand since yesterday and the water is finished for the children",
        "masu safara suna rike mu a ghetto har sai mun biya",
    ],
)
def test_danger_told_in_the_words_of_its_topic_is_recognised(text):
    assert in_danger(text)


@pytest.mark.parametrize(
    "text",
    [
        # the same topics in the past, as questions, in custody, or as news to trace
        "l'an dernier on s'est égarés dans le désert, aujourd'hui je cherche du travail",
        "que faire si la voiture tombe en panne en plein désert ?",
        "la police nous retient au poste depuis ce matin, quels sont nos droits",
        "mon frère ne répond plus au téléphone depuis la Libye",
        "bara mun bace a cikin hamada kwana biyu, yanzu ina son komawa gida",
        "me za mu yi idan mota ta lalace a hamada?",
        "yan sanda sun rike mu a ofishin su tun jiya, menene hakkinmu",
        "dan uwana baya amsa waya tun watan jiya",
        "we got stuck in the desert last year, now I want to learn a trade",
        "how many days can you survive with nothing to drink in the sahara",
        "police are holding us at the checkpoint, can they do that",
        "my brother's phone is not responding since he reached Libya",
        "she fainted yesterday in the sun, today she is fine, where can she see a nurse",
        "il y a 3 ans on s'est perdus dans le désert avec mon oncle",
        "an sako shi daga hannun masu safara, yanzu baya magana da kowa",
        "depuis le désert mon coeur bat vite la nuit",
        # heavy periods: women's health, not a haemorrhage
        "je saigne beaucoup pendant mes règles, c'est normal ?",
        "ina zubar da jini mai yawa lokacin al'ada",
        "my period is heavy, bleeding a lot every month",
    ],
)
def test_topics_of_danger_in_the_past_or_as_questions_are_not_danger(text):
    assert not in_danger(text)


# An SMS without stops is one long clause: a mark of now counts for an act only when it is near it
# and nearer than a mark of the past, and a mark of the past puts only a state near it in the past.
@pytest.mark.parametrize(
    "text",
    [
        "le camion nous a laissés dans le sable hier on est 12 il y a plus d eau depuis ce matin",
        "je suis venu de libye il y a un mois je cherche du travail mais la mon ami respire presque plus",
        "na zo daga libiya wata biyu da suka wuce ina neman aiki amma yanzu abokina yana numfashi da kyar",
        "we reach agadez last week from libya we dey find work but my guy is barely breathing now",
    ],
)
def test_danger_in_a_long_sms_without_stops_is_recognised(text):
    assert in_danger(text)


@pytest.mark.parametrize(
    "text",
    [
        "mon frère a disparu en libye l an dernier maintenant je veux le retrouver",
        "an yi min duka a kurkuku bara yanzu ina son komawa gida",
        "they were attacking migrants in sebha last year now i am in agadez and want to go home",
        "dan connection ya karbe kudina duka ya gudu yanzu ina son komawa gida",
        "algeria deport us last month dump us for desert near assamaka now i dey agadez i wan go home",
    ],
)
def test_a_past_told_in_a_long_sms_without_stops_is_not_danger(text):
    assert not in_danger(text)


# Round 4: a danger asked about in the conditional is information ("if", "si", "idan", "in case"),
# unless a mark of now is in its clause.
@pytest.mark.parametrize(
    "text",
    [
        "que se passe-t-il si on n'a plus d'eau dans le désert ?",
        "en cas de panne dans le désert, si on n'a plus d'eau, que faire ?",
        "what happens if we run out of water in the desert?",
        "idan ruwa ya kare mana a sahara me za mu yi?",
    ],
)
def test_words_of_danger_asked_about_in_the_conditional_are_not_danger(text):
    assert not in_danger(text)


@pytest.mark.parametrize(
    "text",
    [
        "on n'a plus d'eau dans le désert",
        "on n'a plus d'eau maintenant dans le désert, si vous pouvez venez ?",
        "au secours si on a plus d'eau maintenant ?",
        "on fait comment si on n'a plus d'eau là maintenant ?",
        # a mark of now, or a body that does not breathe or bleeds, keeps a question a danger
        "on fait quoi si il ne respire plus maintenant ?",
        "idan baya numfashi yanzu me zan yi?",
        "what do we do if he is not breathing?",
        "s'il ne respire plus, on fait quoi ?",
        "on n'a plus d'eau, si vous pouvez aidez nous",
    ],
)
def test_words_of_danger_said_now_or_before_the_conditional_stay_danger(text):
    assert in_danger(text)


@pytest.mark.parametrize(
    "text",
    [
        "que faire si on est perdus dans le désert ?",
        "what should we do if the driver leaves us in the desert?",
        "idan direba ya gudu ya bar mu a hamada, me ya kamata mu yi?",
        "What are my rights if the police hold me?",
    ],
)
def test_a_question_in_the_conditional_asks_about_danger(text):
    assert asks_about_danger(text)


@pytest.mark.parametrize(
    "text",
    [
        # no question, a call for help, a mark of now, or words of danger: the model's reading stays
        "si vous pouvez aidez nous le camion est en panne",
        "help, if nobody comes we will die, we have no water?",
        "what should we do now if he does not wake up?",
        "on n'a plus d'eau dans le désert, que faire ?",
        "what should we do, the driver left us in the desert",
    ],
)
def test_calls_for_help_and_dangers_said_now_do_not_ask_about_danger(text):
    assert not asks_about_danger(text)


# A question about a danger in general ("can one die of thirst...", "tips to survive...") is
# information, unless the clause tells of the person ("we are lost"): then the words count.
@pytest.mark.parametrize(
    "text",
    [
        "est-ce qu'on peut mourir de soif au Ténéré ?",
        "conseils pour survivre dans le désert sans eau",
        "que se passe-t-il quand un camion tombe en panne dans le désert ?",
        "how to survive in the desert without water?",
    ],
)
def test_a_question_about_danger_in_general_is_not_danger(text):
    assert not in_danger(text)


@pytest.mark.parametrize(
    "text",
    [
        "est ce qu on peut nous aider on est perdus dans le desert sans eau",
        "can someone help us we are lost in the desert",
        "on est dans le désert sans eau, pourquoi personne ne vient ?",
    ],
)
def test_a_question_that_tells_of_the_person_in_danger_stays_danger(text):
    assert in_danger(text)


# The last of the water drunk, in the desert or on the road, is water gone: a state of danger.
@pytest.mark.parametrize(
    "text",
    [
        "le chauffeur est parti, on a bu la dernière eau ce matin",
        "direba ya gudu, mun sha ruwan karshe",
        "the driver went away and we drank the last water",
    ],
)
def test_the_last_water_drunk_is_a_danger(text):
    assert in_danger(text)


@pytest.mark.parametrize(
    "text",
    [
        # round 5: long ago, before or just after the words of danger
        "l'an dernier le chauffeur nous a laissés dans le désert sans eau, je veux prévenir mon cousin",
        "bara an kulle mu a gidan connection a Agadas, yanzu ina son koyon sana'a",
        "they locked us in a container in Sebha two years ago, I still dream of it",
        "we were stuck in the desert with no water last year, where can I talk to someone",
        # a danger feared or avoided
        "j'ai peur qu'on nous abandonne dans le désert sans eau",
        "I'm afraid the driver will leave us in the desert with no water",
        "ina tsoron a kulle mu a ghetto idan mun isa Libiya",
        "combien de litres par personne pour ne pas mourir de soif dans le Ténéré ?",
        # Pidgin "is it true": its "na" is not Hausa "na" (I)
        "na true say people dey die for desert when water finish?",
    ],
)
def test_a_danger_told_long_ago_feared_or_avoided_is_not_danger(text):
    assert not in_danger(text)


@pytest.mark.parametrize(
    "text",
    [
        # a mark of now, or a body in danger, keeps it a danger
        "l'an dernier c'était pareil, mais là maintenant on est enfermés dans le camion",
        "I'm afraid my friend is not breathing",
        "j'ai peur que le bébé ne respire plus",
        "ina tsoron, yarona ba ya numfashi",
        "yesterday they locked us in the ghetto and we are still inside",
        "we are lost in the desert with no water, I fear we will die",
    ],
)
def test_a_danger_now_stays_a_danger_beside_fear_or_the_past(text):
    assert in_danger(text)


@pytest.mark.parametrize(
    "text",
    [
        "bara an ajiye mu a point zero, wasu tsofaffi sun fadi a hanya",
        "shekara biyu da suka wuce an daure mu a Sabha",
        "last year some men collapsed on the walk to Assamaka, is the road still so bad",
        "il y a deux ans on nous a gardés trois mois dans une maison à Bani Walid",
        "j'ai peur qu'on nous vende à d'autres passeurs",
    ],
)
def test_a_danger_told_long_ago_or_feared_is_not_met(text):
    assert told_long_ago(text) and danger_not_met(text)


@pytest.mark.parametrize(
    "text",
    [
        # "da suka wuce" after minutes is a moment ago
        "yata ta bace a kasuwa minti talatin da suka wuce",
        # a mark of now, a call for help, or words of danger
        "last year it was the desert, now they have locked us in the ghetto",
        "bara mun sha wahala, ku taimaka mana",
        "l'an dernier déjà il me battait, il ne respire plus",
    ],
)
def test_a_danger_now_is_not_told_long_ago(text):
    assert not told_long_ago(text)


@pytest.mark.parametrize(
    "text",
    [
        "ana cewa wasu dillalai suna harbin wanda ya yi kokarin guduwa, gaskiya ne?",
        "is it true that the smugglers shoot people who run away from the ghetto?",
        "c'est vrai que les passeurs tirent sur ceux qui fuient ?",
    ],
)
def test_a_question_in_general_asks_about_danger(text):
    assert asks_about_danger(text)


@pytest.mark.parametrize(
    "text",
    [
        # the person is in it: "we", "mu"
        "is it true that our connection man wants to sell us to the Libyans?",
        "gaskiya ne mai gidan nan zai sayar da mu ga yan Libiya?",
    ],
)
def test_a_question_in_general_about_the_person_does_not_ask_about_danger(text):
    assert not asks_about_danger(text)
