// Capítulo 4 — El Diván
// Diana vuelve. Por la invitación, la llave, una reserva o el pase VIP se entra en El Diván; quien no entra vive la jugada de Gael en el salón.
// Lee: nota_dejada (y la vuelve a false), aliado_gael. Decide: aliado_gael (si ayudas a Gael en el salón), pregunto_por_lucien.

=== capitulo_4 ===
# capitulo:4
# requiere:capitulo:3
Jueves otra vez. La tormenta ha dejado el aire limpio y la ciudad brillante, como recién estrenada.
Esta noche Diana está en la puerta, junto a Lucien. Vestido rojo, labios a juego, ni rastro de fantasmas.
{nota_dejada:
    Saca una tarjeta del escote del vestido y te la enseña, entre dos dedos. Es tu nota.
    # personaje:diana
    —La he leído tantas veces que ya no sé si la escribiste tú o la soñé yo.
    ~ nota_dejada = false
}
{relacion("diana") >= 4:
    Te coge la mano sin preguntar, como si ya fuera costumbre.
    # personaje:diana
    —Ven. Quiero enseñarte algo que no enseño a nadie. Arriba. El Diván.
- else:
    # personaje:diana
    —Esta noche estoy de buen humor. Pídeme lo que quieras. Cualquier cosa menos que cante.
}
Desde el escenario, Gael os observa con el saxo colgado del cuello y una paciencia que no le conoces.
* {relacion("diana") >= 4} [Aceptar su invitación a El Diván]
    # personaje:diana
    —Sabía que dirías que sí. Aun así, me gusta oírtelo.
    -> divan
* {tiene("llave_de_laton")} [Enseñarle la llave de latón]
    Diana mira la llave. Luego a Lucien, que de pronto encuentra fascinante el techo.
    # personaje:diana
    —Así que te la ha dado a ti. Entonces ya no me quedan excusas. Sube conmigo.
    -> divan
* [Reservar El Diván para los dos #coste:40]
    Lucien anota algo en un libro de tapas verdes con la solemnidad de un notario.
    # personaje:lucien
    —Una reserva en toda regla. Qué formalidad tan encantadora. Suban, por favor.
    -> divan
* [Subir al Diván con el pase de la casa #vip]
    Lucien se inclina apenas al ver tu pase y descorre el cordón de terciopelo.
    # personaje:lucien
    —La casa reconoce a los suyos. Por aquí.
    -> divan
* [Quedarte en el salón, cerca de Gael]
    -> salon

= divan
Subís por la escalera de caracol. Al final del pasillo, la puerta de terciopelo rojo con remaches dorados.
# imagen:el_divan
# logro:llave_del_divan
Dentro, la luz es más baja y más cálida. Un diván de terciopelo color vino, un espejo de marco dorado algo picado, una cómoda antigua con cerradura y flores frescas en un jarrón de cristal.
# personaje:diana
—Aquí no entra nadie. Bueno, casi nadie. Aurora se cambiaba aquí antes de salir a cantar. A veces todavía huele a su perfume.
Se quita los zapatos y se sienta en el diván con las piernas recogidas.
* [Sentarte a su lado en el diván]
    # relacion:diana:+1:romance
    Te sientas. El diván es estrecho, o quizá es que ninguno de los dos se aparta.
    # personaje:diana
    —Me gusta que no tengas prisa. Todo el mundo tiene prisa conmigo. Tú no.
    -> combinacion
* [Mirar la cómoda cerrada con llave]
    -> comoda
* [Preguntarle por Aurora]
    -> aurora

= comoda
# relacion:diana:+1
{tiene("llave_de_laton"):
    La llave de latón entra en la cerradura como si nunca hubiera salido de ella. Gira con un chasquido suave.
    En el cajón, entre cartas atadas con una cinta, hay una fotografía antigua.
    # pista:foto_del_aurora
    El salón cuando aún se llamaba El Aurora. Una mujer de pelo negro canta ante un micrófono. En el piano, una niña de ojos enormes. Detrás de la barra, un camarero muy joven y muy serio: Lucien.
    # personaje:diana
    —Esa niña soy yo. Y sí, Lucien ya ponía esa cara a los veinte años.
- else:
    La cómoda no cede. Diana te observa desde el diván, divertida.
    # personaje:diana
    —Ahí guardo lo que todavía no sé decir en voz alta. Algún día, quizá, encontrarás la llave. O te la darán.
}
-> combinacion

= aurora
# relacion:diana:+1
# personaje:diana
—Veo que Gael ya te ha contado su versión. Ahora te toca la mía.
# personaje:diana
—Aurora me crio. Me enseñó a cantar, a mentir con elegancia y a no llorar delante de la clientela.
# personaje:diana
—Se fue una noche de tormenta y dejó la canción a medias. A mí también me dejó a medias. Desde entonces, espero el final.
-> combinacion

= combinacion
{tiene("carta_sin_firma") && tiene("partitura_rota"):
    -> verso
}
-> divan_final

= verso
Llevas contigo la tarjeta de tinta violeta y la media hoja de pentagrama. Sin pensarlo mucho, las pones juntas sobre la cómoda.
La frase de la tarjeta encaja, palabra por palabra, en el hueco del último verso. La misma tinta violeta. La misma letra.
Diana palidece. Luego sonríe, despacio, como quien se rinde a gusto.
# personaje:diana
—Así que lo has descubierto. La carta la escribí yo. Es el verso que le falta a la canción de Aurora. Lo escribí hace años y nunca me he atrevido a cantarlo.
# pista:verso_que_falta
# personaje:diana
—Lo dejé bajo tu copa la primera noche. No sé por qué. O sí lo sé, y me da miedo.
* [Pedirle que lo cante ahora]
    # relacion:diana:+1:romance
    # personaje:diana
    —Ahora no. El sábado, quizá. Si sigues aquí cuando llegue el momento.
    -> divan_final
* [Guardar silencio y tomarle la mano]
    # relacion:diana:+1:romance
    Su mano está fría, y poco a poco deja de estarlo. No decís nada. No hace falta.
    -> divan_final

= divan_final
Abajo, alguien pide a gritos una canción. Diana suspira y se calza.
# personaje:diana
—Se acabó el recreo. Si alguien pregunta, te he enseñado la bodega.
En la puerta se detiene, con la mano en el pomo.
# personaje:diana
—El sábado doy una fiesta. Puede que sea la última. Ven.
* [Besarle la mano al despedirte]
    # puntos:+5
    Le besas los nudillos, con una ceremonia un poco antigua. Ella se ríe bajito, sin soltarte del todo.
    -> cierre
* [«Allí estaré. Hasta la última canción»]
    # puntos:+5
    # personaje:diana
    —Cuidado con lo que prometes. Esa canción nunca termina.
    -> cierre

= salon
Te quedas en el salón. Diana se pierde escaleras arriba; Gael se acerca a tu mesa.
{aliado_gael:
    # personaje:gael
    —¿Sigue en pie lo nuestro? Voy a tocar la canción. Cuando baje, tú la acompañas al piano. Sin presiones.
- else:
    # personaje:gael
    —Esta noche lo voy a intentar. Con tu ayuda o sin ella.
}
Sube al escenario y toca los primeros compases de Hasta la última canción.
El salón se queda en silencio. En lo alto de la escalera de caracol, Diana se ha detenido en seco, con una mano en la barandilla.
* [Acompañar a Diana hasta el piano]
    ~ aliado_gael = true
    # relacion:gael:+1
    Subes a buscarla. Diana se deja llevar hasta el piano como quien camina en sueños. Toca. No canta.
    Cuando la música se acaba, te mira con una mezcla exacta de reproche y gratitud.
    -> salon_final
* [Ir hacia Diana y sacarla de allí]
    # relacion:diana:+1:romance
    Le ofreces el brazo. Diana lo toma como quien se agarra a una barandilla, y salís juntos a la terraza.
    # personaje:diana
    —Gracias. No sabes de cuántas canciones me acabas de salvar.
    -> salon_final
* [Pedir a Lucien que corte la música]
    # relacion:lucien:+1
    # personaje:lucien
    —Con mucho gusto. Llevo veinte años deseando hacerlo.
    El tocadiscos de la barra arranca con un pasodoble a todo volumen. Gael baja el saxo, vencido. Diana se ríe a carcajadas desde la escalera.
    -> salon_final
* [Invitar a toda la sala a una ronda #coste:20]
    # relacion:diana:+1
    Levantas la mano. Lucien entiende al vuelo: en un minuto hay copas en todas las mesas y un brindis por la casa.
    La canción de Gael se ahoga entre risas y tintineo de cristal. Diana baja la escalera aplaudiéndote.
    -> salon_final

= salon_final
Al final de la noche, Diana se despide de ti en la barra.
# personaje:diana
—El sábado doy una fiesta. Puede que sea la última. Ven, y no me hagas preguntas hasta entonces.
-> cierre

= cierre
Lucien te acompaña a la puerta, como siempre. Pero esta vez sale contigo a la calle y cierra a su espalda.
# personaje:lucien
—Le han hecho una oferta por el local. Muy generosa. El sábado puede ser la última noche de Los Kinkys.
# personaje:lucien
—Ella tiene una costumbre que heredó de Aurora: marcharse a mitad de la canción. No se lo ha dicho a nadie. Se lo digo a usted.
* [«No dejaré que se vaya sin despedirse»]
    # relacion:lucien:+1
    # personaje:lucien
    —Nadie puede impedirle nada a Diana. Pero se puede hacer que quiera quedarse. Es distinto.
    -> fin_capitulo
* [«Si se va, que sea libre»]
    # relacion:lucien:+1
    Lucien asiente despacio, como si hubieras aprobado un examen que no sabías que hacías.
    # personaje:lucien
    —Eso es exactamente lo que le habría dicho Aurora. Y lo que nunca le dijo.
    -> fin_capitulo
* [«¿Y usted, Lucien? ¿Qué hará?»]
    ~ pregunto_por_lucien = true
    # relacion:lucien:+1
    Lucien se queda inmóvil. Por un instante, el mayordomo desaparece y solo queda un hombre cansado bajo una farola.
    # personaje:lucien
    —Nadie me lo había preguntado en treinta años. Gracias. Todavía no lo sé.
    -> fin_capitulo

= fin_capitulo
Vuelve a entrar. La puerta negra se cierra sin ruido.
# puntos:+20
* [Continuar: Capítulo 5 — Hasta la última canción] -> capitulo_5
