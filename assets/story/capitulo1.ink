// Capítulo 1 — La puerta de terciopelo
// La primera noche en Los Kinkys: Lucien en la puerta, Gael en la barra, Diana en todas partes.
// Decide: conoce_cancion (leer la partitura del atril o pedirle que toque).

=== capitulo_1 ===
# capitulo:1
Es casi medianoche cuando das con la dirección: una puerta negra sin rótulo, en una calle que todavía huele a lluvia.
# imagen:salon_kinkys
Sobre el timbre, una placa diminuta de latón: Los Kinkys.
Llamas. La puerta se abre antes de que termine de sonar el timbre.
Un hombre alto, de frac impecable y guantes blancos, te observa como quien tasa una joya antes de decidir si es auténtica.
# personaje:lucien
—Buenas noches. Me llamo Lucien. Antes de dejarle pasar, permítame una pregunta: ¿qué le trae por aquí?
* [«La curiosidad. Me hablaron de este sitio»]
    # relacion:lucien:+1
    # personaje:lucien
    —La curiosidad es una razón honrada. Casi nadie la confiesa tan pronto.
    -> umbral
* [«Vengo a que me sorprendan»]
    # relacion:lucien:+1
    # personaje:lucien
    —Ambicioso. Aquí solemos sorprender a quien no lo pide, pero haremos una excepción.
    -> umbral
* [Sonreír y no decir nada]
    # relacion:lucien:+1
    # personaje:lucien
    —Un silencio. En esta casa, eso es la mejor de las respuestas.
    -> umbral

= umbral
Lucien se aparta y sostiene la cortina de terciopelo granate.
# logro:primera_visita
# personaje:lucien
—Pase, por favor. Los Kinkys le da la bienvenida. Aquí se habla bajo, se bebe despacio y no se pregunta lo que no se quiere contar.
Dentro, la luz es de color miel. Sillones de cuero, un piano de cola con una vela encendida, conversaciones que se apagan y se encienden como brasas.
En la barra, un hombre de chaqueta clara levanta su copa hacia ti, como si te esperara.
Y al fondo, de pie junto a una escalera de caracol, ella: vestido verde botella, el pelo recogido con descuido calculado. Se ríe de algo y toda la sala parece inclinarse un poco hacia su risa.
No hace falta que nadie te lo diga. Es Diana.
* [Acercarte a la barra]
    -> barra
* [Buscar una mesa junto al piano]
    -> piano
* [Ocupar el reservado de terciopelo #vip]
    -> reservado

= barra
El hombre de la chaqueta clara te hace sitio sin que se lo pidas. Lleva un saxofón guardado en un estuche a sus pies.
# personaje:gael
—Gael. Toco aquí los jueves y bebo aquí el resto de la semana. Es tu primera noche, ¿verdad? Se nota: lo miras todo como si fuera a desaparecer.
Sigue la dirección de tu mirada y sonríe de lado.
# personaje:gael
—Ah. Diana. Te aviso por cortesía: si vienes por ella, ponte a la cola. Yo llevo en ella desde hace veinte años.
* [Seguirle el juego: «Las colas se mueven»]
    # relacion:gael:+1
    # personaje:gael
    —Me gusta la gente con aplomo. Casi tanto como me gusta ganar.
    -> la_copa
* [«No hago colas. Las evito»]
    # relacion:gael:+1:rivalidad
    # personaje:gael
    —Valiente. O imprudente. En Los Kinkys no suele haber diferencia.
    -> la_copa
* [Preguntarle desde cuándo conoce a Diana]
    # relacion:gael:+1
    # personaje:gael
    —Desde antes de que este sitio se llamara así. Desde antes de que ella se llamara así, casi.
    Bebe un sorbo y no añade nada más. Es evidente que disfruta dejando frases a medias.
    -> la_copa

= piano
Eliges una mesa pequeña, pegada al piano. De cerca, el instrumento está lleno de cicatrices: quemaduras de cigarrillo, un arañazo largo en la tapa, marcas de copas antiguas.
Sobre el atril hay unas partituras amarillentas, sujetas con una pinza de pelo.
* [Tocar unas notas, muy suave]
    # relacion:diana:+1:romance
    Tocas tres notas al azar. Suenan tristes y bonitas a la vez.
    Al otro lado de la sala, Diana deja de reír un instante y busca con los ojos quién ha tocado su piano.
    -> la_copa
* [Leer las partituras del atril]
    ~ conoce_cancion = true
    La primera página lleva un título escrito a mano: Hasta la última canción.
    Es una canción de amor, pero se interrumpe de golpe. La hoja está rota justo donde debería llegar el último verso.
    -> la_copa

= reservado
El reservado es un nido de terciopelo oscuro, con una lámpara de flecos y una vista perfecta de toda la sala.
No has terminado de sentarte cuando Diana aparece a tu lado, con dos copas de champán en la mano.
# personaje:diana
—El reservado solo se ocupa cuando alguien quiere que le miren. O cuando quiere mirar sin que le molesten. ¿Cuál es tu caso?
Te tiende una copa antes de que contestes. Huele a jazmín y a algo más oscuro, como madera después de la lluvia.
# relacion:diana:+1:romance
# personaje:diana
—Soy Diana, aunque eso ya lo sabías. Y no respondas a lo otro: me gusta más imaginarlo.
-> diana_responde

= la_copa
Lucien aparece a tu lado sin hacer ruido, con una bandeja de plata y una servilleta doblada sobre el antebrazo.
# personaje:lucien
—¿Qué le sirvo? Y no me diga «lo de siempre». Todavía no tiene un siempre.
* [Un vermut con su aceituna]
    # personaje:lucien
    —Clásico y sin disfraces. Buena elección.
    -> diana_llega
* [Champán. La noche lo merece]
    # personaje:lucien
    —Todas lo merecen. Pocas lo reciben.
    -> diana_llega
* [Un té negro, muy caliente]
    # personaje:lucien
    —Quien pide té a medianoche viene a escuchar. Lo tendré en cuenta.
    -> diana_llega

= diana_llega
Diana cruza el salón. No tiene prisa, y sin embargo llega antes de lo que esperas.
Huele a jazmín y a algo más oscuro, como madera después de la lluvia.
# personaje:diana
—Una cara nueva. Qué raro… y qué bonito. Soy Diana, aunque eso ya lo sabías: lo llevas escrito en la mirada desde que has entrado.
-> diana_responde

= diana_responde
* [«El salón es precioso. Como su dueña»]
    # relacion:diana:+1:romance
    # personaje:diana
    —Empiezas fuerte. Cuidado: aquí los halagos se cobran en confidencias.
    -> el_sobre
* [«¿Siempre recibe así a quien llega?»]
    # relacion:diana:+1
    # personaje:diana
    —Solo a quien me interesa. Los demás se conforman con Lucien, que es mucho más educado que yo.
    -> el_sobre
* [Dejar que sea ella quien hable]
    # relacion:diana:+1
    # personaje:diana
    —Sabes escuchar. Eso es más raro que el buen champán. Me quedo con el detalle.
    -> el_sobre
* [Pedirle que toque algo al piano #coste:15]
    ~ conoce_cancion = true
    # relacion:diana:+2:romance
    Diana arquea una ceja, divertida, y se sienta al piano sin soltar tu mirada.
    Toca una melodía lenta, de esas que parecen recordarte algo que nunca has vivido. Tararea en voz baja.
    De pronto se detiene a mitad de una frase, como si hubiera tropezado con un escalón invisible.
    # personaje:diana
    —Ahí se acaba. Siempre se acaba ahí. Otro día te cuento por qué.
    -> el_sobre

= el_sobre
Gael la llama desde la barra. Diana pone los ojos en blanco, pero va.
# personaje:diana
—No te vayas todavía. La noche aquí empieza tarde.
Cuando vuelves la vista a tu mesa, hay algo que antes no estaba: un sobre color crema, metido bajo el pie de tu copa.
No lleva nombre. Solo una letra D, lacrada en cera violeta.
* [Abrir el sobre]
    Dentro hay una tarjeta escrita con tinta violeta, con letra elegante y apresurada:
    # pista:carta_sin_firma
    «Hay puertas que solo se abren a quien sabe esperar.»
    Nada más. Ni firma, ni fecha. Solo un rastro de jazmín en el papel.
    -> cierre
* [Dárselo a Lucien sin abrirlo]
    Lucien toma el sobre con dos dedos enguantados, lo examina a contraluz y te lo devuelve con una leve inclinación.
    # personaje:lucien
    —Discreción. Qué rareza tan agradable. Pero este sobre es suyo. Ábralo: quien lo escribió no suele equivocarse de mesa.
    Lo abres. Una tarjeta, tinta violeta, letra elegante y apresurada:
    # pista:carta_sin_firma
    «Hay puertas que solo se abren a quien sabe esperar.»
    -> cierre

= cierre
Las horas se disuelven. A las tres, el salón se vacía despacio, como una copa que nadie termina de beber.
Diana se despide desde lo alto de la escalera de caracol.
# personaje:diana
—Vuelve el jueves. Los jueves pasan cosas.
Lucien te acompaña a la puerta y te entrega tu abrigo como si fuera una prenda de valor incalculable.
# personaje:lucien
—¿Volveremos a verle?
* [«Cuente con ello»]
    # puntos:+10
    # personaje:lucien
    —Contaré. Aunque en esta casa se cuenta más con los hechos que con las palabras.
    -> fin_capitulo
* [«Depende de quién me abra la puerta»]
    # puntos:+10
    Por primera vez en toda la noche, a Lucien se le escapa media sonrisa.
    # personaje:lucien
    —Le abriré yo. Siempre abro yo.
    -> fin_capitulo

= fin_capitulo
La puerta negra se cierra a tu espalda. En la calle, el jazmín te sigue un par de manzanas.
* [Continuar: Capítulo 2 — El mayordomo y sus silencios] -> capitulo_2
