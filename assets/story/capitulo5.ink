// Capítulo 5 — Hasta la última canción
// La fiesta del sábado, quizá la última noche de Los Kinkys. Cinco finales: cuatro para todo el mundo, uno VIP.
// Lee: pregunto_por_lucien (y la vuelve a false), aliado_gael, secreto_guardado. Decide: duo_posible, cancion, gael_canta.

=== capitulo_5 ===
# capitulo:5
# requiere:capitulo:4
# requiere:nivel:3
Sábado. Los Kinkys no ha estado nunca tan lleno: vestidos largos, trajes oscuros, champán en cada mano y un rumor que corre de mesa en mesa. Dicen que es la última noche.
Lucien recibe en la puerta con su mejor frac y una flor blanca en la solapa.
{pregunto_por_lucien:
    # personaje:lucien
    —He pensado en su pregunta. Ya tengo respuesta. Se la daré al amanecer, si seguimos aquí.
    ~ pregunto_por_lucien = false
- else:
    # personaje:lucien
    —Buenas noches. Esta noche la casa está de fiesta, y usted es de la casa.
}
En la barra, Gael. A sus pies, el estuche del saxo… y una maleta.
{relacion("gael") <= 0:
    # personaje:gael
    —Tú otra vez. Qué sorpresa tan poco sorprendente.
- else:
    # personaje:gael
    —Esta noche ella elige. Lo sabes, ¿verdad? Que gane quien tenga que ganar.
}
* [Brindar: «Que gane quien la haga reír»]
    # relacion:gael:+1
    Gael choca su copa con la tuya y se ríe de verdad, por primera vez sin segundas.
    # personaje:gael
    —Entonces ya has ganado tú. Yo hace años que solo la hago suspirar.
    -> la_noche
* [Pedirle que esta noche se aparte]
    # relacion:gael:+1:rivalidad
    # personaje:gael
    —¿Apartarme? Llevo veinte años apartado. Esta noche, precisamente, no.
    -> la_noche
* {aliado_gael} [Recordarle vuestro trato]
    ~ duo_posible = true
    # relacion:gael:+1
    # personaje:gael
    —No se me ha olvidado. Si ella quiere cantar, yo toco. Y tú… tú le das el valor. Es lo que mejor se te da.
    -> la_noche

= la_noche
Lucien te deja delante tu copa de siempre, sin que la hayas pedido.
# personaje:lucien
—Lo de siempre. Ahora ya tiene un siempre.
A medianoche, Diana sube al escenario. Vestido negro, una gardenia blanca en el pelo, los ojos muy brillantes.
# personaje:diana
—Gracias por venir. Esta noche Los Kinkys cumple diez años… y puede que se despida. No me preguntéis. Dejadme tocar.
Se sienta al piano. Toca la introducción de Hasta la última canción. Abre la boca para cantar y la voz no llega. El salón entero contiene la respiración.
{tiene("panuelo_granate"):
    Llevas en el bolsillo el pañuelo granate de las iniciales bordadas. Sin saber muy bien por qué, lo sacas y lo levantas. Diana lo ve desde el piano, y algo en su cara se abre.
}
* {tiene("verso_que_falta")} [Susurrarle el verso que falta]
    -> verso_cantado
* [Subir y sentarte a su lado en el banco]
    # relacion:diana:+1:romance
    Cruzas el salón y te sientas junto a ella en el banco del piano. No dices nada. Ella apoya la cabeza en tu hombro y sigue tocando, sin cantar.
    Cuando termina, el salón aplaude como si hubiera cantado. Quizá, de algún modo, lo ha hecho.
    -> madrugada
* {duo_posible || aliado_gael} [Hacerle una seña a Gael]
    -> duo
* [Invitar a champán a toda la sala #coste:30]
    # relacion:diana:+1:romance
    Lucien entiende tu gesto al vuelo. En un minuto hay champán en cada mano y el salón entero brinda: «¡Por Diana!».
    Ella se ríe con los ojos húmedos. Y, por encima del ruido, canta dos versos. Solo dos, pero son los primeros en veinte años.
    -> madrugada
* [Quedarte en tu mesa, mirándola]
    No te mueves de tu mesa. A veces lo más valiente es no intervenir.
    Diana toca la canción entera sin voz, con una dignidad que le cierra la garganta a medio salón. Al terminar, se inclina. Busca tus ojos. Los encuentra.
    -> madrugada

= verso_cantado
~ cancion = true
# relacion:diana:+1:romance
Te acercas al piano, te inclinas hacia su oído y le dices, muy bajo, las palabras de la tarjeta violeta.
«Hay puertas que solo se abren a quien sabe esperar.»
Diana cierra los ojos. Vuelve a empezar desde el principio. Y esta vez canta.
Canta la canción entera, con una voz más grave y más herida que la de la niña que fue, y cuando llega al hueco donde Aurora se detuvo, no se detiene. Canta el último verso.
Nadie aplaude durante tres segundos eternos. Luego el salón se viene abajo.
-> madrugada

= duo
~ gael_canta = true
# relacion:gael:+1
Gael entiende antes de que termines el gesto. Sube al escenario y, muy suave, entra con el saxo por debajo del piano, como quien ofrece el brazo en una escalera.
Diana le mira. Te mira a ti. Y canta, primero en un hilo, después con toda la voz.
Cantan juntos como a los diecisiete años, pero al llegar al último verso ella se calla, y es Gael quien termina la frase con el saxo. El salón se pone en pie.
-> madrugada

= madrugada
A las cuatro la fiesta se deshace en grupos pequeños y risas cansadas. Diana se sienta a tu lado, descalza, con los zapatos en la mano.
{cancion:
    # personaje:diana
    —Lo he cantado. Entero. Veinte años, y lo he cantado entero. No sé si darte las gracias o echarte la culpa.
}
# personaje:diana
—La oferta por el local está en el cajón de la cómoda. Tengo que decidir antes de que amanezca. ¿Tú qué harías?
* [«Quédate. Los Kinkys eres tú»]
    # relacion:diana:+1
    # personaje:diana
    —Qué fácil lo dices. Y qué bien suena.
    -> amanecer
* [«Vete, si lo necesitas. Pero no a medias»]
    # relacion:diana:+1
    # personaje:diana
    —Nadie me había dado permiso para irme. Es curioso: ahora tengo menos ganas.
    -> amanecer
* [«Decide con el corazón, no con el miedo»]
    # relacion:diana:+1:romance
    # personaje:diana
    —El corazón y el miedo viven en el mismo piso. A veces se cambian las llaves.
    -> amanecer

= amanecer
# imagen:amanecer
La primera luz entra por las rendijas de las persianas y vuelve dorado el humo que queda en el aire.
Gael cierra el estuche del saxo. Lucien recoge copas con la lentitud de quien no quiere que algo termine. Diana se asoma a la ventana.
Es el momento. Lo sabes tú y lo saben los tres.
* {relacion("diana") >= 6 || cancion} [Quedarte con Diana hasta que salga el sol]
    -> final_cancion
* {relacion("lucien") >= 5 || secreto_guardado} [Aceptar la llave que te tiende Lucien]
    -> final_guardian
* {gael_canta || duo_posible || relacion("gael") >= 5} [Salir a la calle con Gael y su saxo]
    -> final_duo
* [Llevarla a El Diván y cerrar la puerta #vip]
    -> final_vip
* [Despedirte en silencio y salir a la calle]
    -> final_solas

= final_cancion
Te acercas a la ventana. Diana no se vuelve, pero su mano encuentra la tuya en el alféizar.
# personaje:diana
—No voy a firmar. Aurora se fue a mitad de la canción. Yo quiero quedarme a ver cómo termina.
{cancion:
    Apoya la frente en tu hombro y canta el último verso otra vez, ahora solo para ti, tan bajo que casi es un secreto.
- else:
    Apoya la frente en tu hombro y tararea una melodía que se interrumpe, y luego, muy despacio, sigue.
}
Sale el sol sobre los tejados. Por primera vez en veinte años, la canción tiene final. Y el final eres tú.
# puntos:+25
# final:la_ultima_cancion
-> END

= final_guardian
Lucien se acerca y te tiende, sobre la palma enguantada, una llave grande y antigua: la de la puerta negra.
# personaje:lucien
—Esta casa necesita a alguien que sepa guardar secretos y abrir la puerta a tiempo. Yo seguiré abriéndola, pero no quiero hacerlo solo.
Diana se acerca y cierra tus dedos sobre la llave.
# personaje:diana
—Me voy una temporada, a buscar el final de otras canciones. Cuidad mi salón los dos. Volveré a por el último verso. Y yo sí cumplo.
# relacion:lucien:+3
# puntos:+25
# personaje:lucien
—Aurora decía que esta casa elige a su gente. Yo lo diré a mi manera: la casa le estaba esperando.
# final:guardian_de_los_kinkys
-> END

= final_duo
Gael se echa el estuche al hombro y te hace un gesto con la cabeza hacia la puerta.
En la calle, la ciudad está recién lavada y vacía. Gael saca el saxo y, en mitad de la acera, toca Hasta la última canción para los barrenderos y las palomas.
{gael_canta:
    # personaje:gael
    —Esta noche ha cantado conmigo. Veinte años esperando eso, y resulta que no era lo que quería. Quería que volviera a cantar, nada más.
- else:
    # personaje:gael
    —Me voy de gira. Tres meses, quizá seis. Ella no me ha elegido, ¿sabes? Y lo raro es que no me duele.
}
Arriba, una ventana se abre. Diana os mira, se ríe y os tira la gardenia.
# relacion:gael:+3
# puntos:+25
# personaje:gael
—Rivales hasta ayer. Desde hoy, cómplices. Cuando vuelva, te quiero en primera fila.
# final:duo_de_madrugada
-> END

= final_vip
Le tiendes la mano. Diana la mira, mira la escalera de caracol, y sonríe como la primera noche.
Subís sin prisa. La puerta de terciopelo rojo se cierra a vuestra espalda con un suspiro.
En El Diván, la luz del amanecer se filtra entre las cortinas. Diana saca la oferta del cajón, la lee por última vez y la convierte en un pájaro de papel que deja sobre el espejo.
# personaje:diana
—Aurora se cambiaba aquí antes de salir a cantar. Yo voy a hacer lo contrario: quedarme aquí, contigo, y que canten los demás.
Se sienta en el diván y hace sitio a su lado. Abajo, Lucien cuelga en la puerta un cartel que nadie ha visto nunca: «No molestar».
# puntos:+25
# final:el_divan_para_dos
-> END

= final_solas
Te despides con un gesto desde la puerta. Diana te devuelve una sonrisa que no sabes descifrar. Tal vez no era tu noche. Tal vez era el principio de otra.
Lucien te abre, como siempre.
# personaje:lucien
—Las mejores historias de esta casa empezaron con alguien que se marchaba al amanecer.
Caminas por la calle vacía. A tu espalda, muy lejos ya, alguien toca al piano los primeros compases de una canción sin final.
Te la sabes de memoria. Y sabes que volverás el jueves.
# puntos:+15
# final:amanecer_a_solas
-> END
